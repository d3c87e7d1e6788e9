// Rng: the scenario's one source of randomness, deterministic by seed on
// every platform. std::mt19937_64's raw output is specified by the standard;
// std's distributions are not (libstdc++ and libc++ differ), so every mapping
// from raw output to a number is ours and below.
#ifndef OUTPOST_TOOLS_SCENARIO_RANDOM_H_
#define OUTPOST_TOOLS_SCENARIO_RANDOM_H_

#include <cstdint>
#include <random>
#include <vector>

namespace outpost::scenario {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  // A stream of its own for (seed, a, b): the same numbers whatever else was
  // drawn before, so days and communities can be generated in any order.
  static Rng For(uint64_t seed, uint64_t a, uint64_t b = 0) {
    return Rng(seed * 0x9E3779B97F4A7C15ull ^ (a + 1) * 0xC2B2AE3D27D4EB4Full ^
               (b + 1) * 0x165667B19E3779F9ull);
  }

  uint64_t Next() { return engine_(); }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi] (inclusive); lo <= hi.
  int64_t Range(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(Next() % span);
  }
  bool Chance(double p) { return Unit() < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(Range(0, static_cast<int64_t>(v.size()) - 1))];
  }
  // Index i with probability weights[i] / sum(weights).
  size_t Weighted(const std::vector<double>& weights);

 private:
  std::mt19937_64 engine_;
};

// Splits `total` into `parts` non-negative integers, each at least
// `min_each`, summing exactly to `total`, roughly proportional to `weights`
// (equal weights when empty). Requires total >= parts * min_each.
std::vector<int64_t> Split(int64_t total, int parts, int64_t min_each,
                           const std::vector<double>& weights);

}  // namespace outpost::scenario

#endif  // OUTPOST_TOOLS_SCENARIO_RANDOM_H_
