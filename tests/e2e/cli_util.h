// Runs the `outpost` CLI binary (OUTPOST_CLI_PATH, set by CMake) as an
// operator would, for the end-to-end tests: with the node's admin token in
// OUTPOST_TOKEN when the arguments name a node this test process started.
#ifndef OUTPOST_TESTS_E2E_CLI_UTIL_H_
#define OUTPOST_TESTS_E2E_CLI_UTIL_H_

#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tools/testbed/node_process.h"

#ifndef OUTPOST_CLI_PATH
#error "OUTPOST_CLI_PATH must name the outpost binary"
#endif

namespace outpost::testing {

struct CliRun {
  int code;
  std::string out;  // stdout and stderr
};

inline CliRun Cli(const std::vector<std::string>& args) {
  std::string command = OUTPOST_CLI_PATH;
  for (const std::string& a : args) {
    if (absl::StartsWith(a, "--node=")) {
      const std::string token = NodeProcess::AdminTokenFor(a.substr(7));
      if (!token.empty()) command = "OUTPOST_TOKEN=" + token + " " + command;
    }
  }
  for (const std::string& a : args) absl::StrAppend(&command, " '", a, "'");
  absl::StrAppend(&command, " 2>&1");
  CliRun run{-1, ""};
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    run.out.append(buffer, n);
  }
  const int status = pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// The token printed by `outpost --json token create ...` ("" if none).
inline std::string CreatedToken(const CliRun& created) {
  const size_t at = created.out.find("\"token\": \"");
  if (created.code != 0 || at == std::string::npos) return "";
  return created.out.substr(at + 10, 52);
}

}  // namespace outpost::testing

#endif  // OUTPOST_TESTS_E2E_CLI_UTIL_H_
