// A small stand-in for libFuzzer's main() so the fuzz targets also build with
// gcc and run in ctest: replays every file of the seed folders, then `--runs`
// random mutations of them (bit flips, byte edits, inserts, deletions,
// truncations, splices) from a fixed `--seed`. A crash fails the test; the
// current input is kept in ./replay-crash-input (removed after a clean run)
// so a crash can be replayed.
//
//   remote_apply_replay [--runs=N] [--seed=S] SEED_DIR...
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::string Mutate(std::string in, const std::vector<std::string>& seeds,
                   std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    const size_t pos = in.empty() ? 0 : rng() % in.size();
    switch (rng() % 6) {
      case 0:
        if (!in.empty()) in[pos] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:
        if (!in.empty()) in[pos] = static_cast<char>(rng());
        break;
      case 2:
        in.insert(pos, 1 + rng() % 8, static_cast<char>(rng()));
        break;
      case 3:
        if (!in.empty()) in.erase(pos, 1 + rng() % 8);
        break;
      case 4:
        in.resize(pos);
        break;
      case 5: {
        const std::string& other = seeds[rng() % seeds.size()];
        if (!other.empty()) {
          const size_t from = rng() % other.size();
          in.insert(pos, other.substr(from, 1 + rng() % 64));
        }
        break;
      }
    }
  }
  return in;
}

}  // namespace

int main(int argc, char** argv) {
  long runs = 1000;
  uint64_t seed = 1;
  std::vector<std::string> seeds;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--runs=", 7) == 0) {
      runs = std::atol(argv[i] + 7);
    } else if (std::strncmp(argv[i], "--seed=", 7) == 0) {
      seed = std::strtoull(argv[i] + 7, nullptr, 10);
    } else {
      for (const auto& entry : std::filesystem::directory_iterator(argv[i])) {
        std::ifstream in(entry.path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        seeds.push_back(ss.str());
      }
    }
  }
  if (seeds.empty()) seeds.emplace_back();
  for (const std::string& s : seeds) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()),
                           s.size());
  }
  std::mt19937_64 rng(seed);
  for (long r = 0; r < runs; ++r) {
    const std::string input = Mutate(seeds[rng() % seeds.size()], seeds, rng);
    {
      std::ofstream out("replay-crash-input", std::ios::binary);
      out.write(input.data(), static_cast<std::streamsize>(input.size()));
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()),
                           input.size());
  }
  std::remove("replay-crash-input");
  std::printf("replayed %zu seeds and %ld mutations (seed %llu)\n",
              seeds.size(), runs, static_cast<unsigned long long>(seed));
  return 0;
}
