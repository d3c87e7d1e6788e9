// The `outpost` CLI against real nodes: output, --json, exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/e2e/e2e_util.h"
#include "tests/sync/test_util.h"
#include "tools/testbed/node_process.h"

#ifndef OUTPOST_CLI_PATH
#error "OUTPOST_CLI_PATH must name the outpost binary"
#endif

namespace outpost::testing {
namespace {

using sync::testing::TempDir;
using ::testing::HasSubstr;

struct CliRun {
  int code;
  std::string out;  // stdout and stderr
};

CliRun Cli(const std::vector<std::string>& args) {
  std::string command = OUTPOST_CLI_PATH;
  for (const std::string& a : args) absl::StrAppend(&command, " '", a, "'");
  absl::StrAppend(&command, " 2>&1");
  CliRun run{-1, ""};
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(CliE2E, StatusVerifyConflictsAndExitCodes) {
  TempDir dir;
  NodeSpec central_spec{"central", "central",     dir.path(),
                        "",        "127.0.0.1:0", {}};
  auto central = NodeProcess::Start(central_spec);
  ASSERT_TRUE(central.ok()) << central.status();
  NodeSpec spec{"yatai",       "community", dir.path(), (*central)->address(),
                "127.0.0.1:0", {}};
  auto community = NodeProcess::Start(spec);
  ASSERT_TRUE(community.ok()) << community.status();
  ASSERT_TRUE(PutPassages(**community, "yatai", 0, 20).ok());
  const std::string node = "--node=" + (*community)->address();

  CliRun status = Cli({node, "status"});
  EXPECT_EQ(status.code, 0) << status.out;
  EXPECT_THAT(status.out, HasSubstr("yatai (community)"));
  CliRun json = Cli({node, "--json", "status"});
  EXPECT_EQ(json.code, 0) << json.out;
  EXPECT_THAT(json.out, HasSubstr("\"node_id\": \"yatai\""));
  EXPECT_THAT(json.out, HasSubstr("\"open_conflicts\""));

  ASSERT_TRUE(WaitFor(
      [&] {
        return Cli({node, "verify"}).code == 0;
      },
      absl::Seconds(20)));
  CliRun verify = Cli({node, "--json", "verify"});
  EXPECT_EQ(verify.code, 0) << verify.out;
  EXPECT_THAT(verify.out, HasSubstr("\"all_equal\": true"));
  // Central has no upstream: verify is refused there, with the reason.
  CliRun at_central = Cli({"--node=" + (*central)->address(), "verify"});
  EXPECT_EQ(at_central.code, 1) << at_central.out;
  EXPECT_THAT(at_central.out, HasSubstr("no upstream"));

  CliRun conflicts = Cli({node, "--json", "conflicts", "list"});
  EXPECT_EQ(conflicts.code, 0) << conflicts.out;

  // Usage errors and an unreachable node, each with one clear line.
  EXPECT_EQ(Cli({node}).code, 2);
  EXPECT_EQ(Cli({node, "fly"}).code, 2);
  EXPECT_EQ(Cli({"--node=nonsense", "status"}).code, 2);
  const int port = (*community)->port();
  (*community)->Stop();
  CliRun down = Cli(
      {absl::StrCat("--node=127.0.0.1:", port), "--timeout_ms=1500", "status"});
  EXPECT_EQ(down.code, 3) << down.out;
  EXPECT_THAT(down.out, HasSubstr("unreachable"));
}

}  // namespace
}  // namespace outpost::testing
