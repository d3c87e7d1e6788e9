// import_bench: registry import of the reference office (161,771 residents in
// 56,149 households by default) into a real outpostd, through the public
// gRPC API, timed end to end. The CSV is generated here with valid ID-card
// numbers; it is not the scenario generator (issue 7), just enough rows.
//
//   build/tools/import_bench --residents=161771
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "client/client.h"
#include "server/id_card.h"
#include "tools/testbed/node_process.h"

ABSL_FLAG(int, residents, 161771, "residents to import");
ABSL_FLAG(int, households, 56149, "households they live in");

namespace {

std::string MakeCsv(int residents, int households) {
  static const char* kFamily[] = {"王", "李", "张", "刘", "陈",
                                  "杨", "黄", "赵", "吴", "周"};
  static const char* kGiven[] = {"伟", "芳", "娜", "敏", "静",
                                 "丽", "强", "磊", "军", "洋"};
  std::string csv =
      "community,compound,building,unit,room,name,id_number,phone\n";
  for (int i = 0; i < residents; ++i) {
    const int h = i % households;
    // Unique numbers: region 420102, birth dates over ~27 years, sequence.
    const absl::CivilDay born = absl::CivilDay(1950, 1, 1) + (i / 1000) % 10000;
    const std::string first17 =
        absl::StrFormat("420102%04d%02d%02d%03d", born.year(), born.month(),
                        born.day(), i % 1000);
    absl::StrAppend(&csv, "yatai,c", h % 78, ",", (h / 78) % 40 + 1, ",",
                    h % 6 + 1, ",", h % 1000 + 101, "-", h, ",",
                    kFamily[i % 10], kGiven[(i / 10) % 10], ",", first17,
                    std::string(1, outpost::server::IdCheckCharacter(first17)),
                    ",1380", absl::StrFormat("%07d", i), "\n");
  }
  return csv;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int n = absl::GetFlag(FLAGS_residents);
  std::string templ = "/tmp/outpost-import-XXXXXX";
  const std::string dir = mkdtemp(templ.data());
  outpost::testing::NodeSpec spec{"yatai",       "community",
                                  dir,           "127.0.0.1:1",
                                  "127.0.0.1:0", {"--log_level=error"}};
  auto node = outpost::testing::NodeProcess::Start(spec);
  if (!node.ok()) {
    std::fprintf(stderr, "import_bench: %s\n",
                 node.status().ToString().c_str());
    return 1;
  }
  const std::string csv = MakeCsv(n, absl::GetFlag(FLAGS_households));
  outpost::client::Client::Options client_options;
  client_options.address = (*node)->address();
  client_options.token = (*node)->admin_token();
  auto client = outpost::client::Client::Connect(client_options);
  const absl::Time start = absl::Now();
  auto result = (*client)->ImportResidents(csv, false, nullptr);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (!result.ok() || !result->written()) {
    std::fprintf(stderr, "import_bench: %s\n",
                 result.ok() ? result->DebugString().substr(0, 500).c_str()
                             : result.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "imported %lld residents, %lld households (%.1f MiB CSV) in %.2f s end "
      "to end "
      "(server %.2f s) = %.0f residents/s\n",
      static_cast<long long>(result->residents()),
      static_cast<long long>(result->households()), csv.size() / 1048576.0,
      seconds, result->seconds(), result->residents() / seconds);
  (*node)->Stop();
  std::system(absl::StrCat("rm -rf ", dir).c_str());
  return 0;
}
