// outpost: the command-line thin client (see README "outpost CLI").
//
//   outpost [--node=HOST:PORT] [--json] COMMAND [ARGS...]
//
// Human-readable output by default; --json prints the response in protobuf's
// JSON mapping with the proto's field names. Exit codes: 0 success, 1 the
// node refused or the check failed (verify), 2 bad usage, 3 node unreachable.
// Each command group lives in its own cli_*.cc file, its usage beside it;
// `outpost help [COMMAND]` (cli_help.cc) needs no node.
#include <clocale>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"
#include "base/flags_usage.h"
#include "client/cli.h"
#include "client/cli_flags.h"

ABSL_FLAG(std::string, token, "",
          "the client token (default: the OUTPOST_TOKEN environment variable)");
ABSL_FLAG(std::string, tls_ca, "",
          "CA certificate (PEM) to verify a node that serves TLS");

namespace outpost::client {
namespace {

int Run(const std::vector<char*>& argv) {
  if (argv.size() < 2) {
    std::cerr << "outpost: a command is required (outpost help lists them)"
              << std::endl;
    return kExitUsage;
  }
  const std::vector<std::string> args(argv.begin() + 1, argv.end());
  if (args[0] == "help") return HelpCommand(args);
  const CommandUsage* usage = FindUsage(args[0]);
  if (usage == nullptr) {
    std::cerr << "outpost: unknown command \"" << args[0]
              << "\" (outpost help lists the commands)" << std::endl;
    return kExitUsage;
  }
  Client::Options options;
  options.address = absl::GetFlag(FLAGS_node);
  options.timeout = absl::Milliseconds(absl::GetFlag(FLAGS_timeout_ms));
  options.token = absl::GetFlag(FLAGS_token);
  if (options.token.empty() && std::getenv("OUTPOST_TOKEN") != nullptr)
    options.token = std::getenv("OUTPOST_TOKEN");
  options.tls_ca = absl::GetFlag(FLAGS_tls_ca);
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(options);
  if (!client.ok()) return Fail(client.status());
  const bool json = absl::GetFlag(FLAGS_json);
  for (auto* group : {&AdminCommand, &CommunityCommand, &ConflictsCommand,
                      &ConsolidationCommand, &TokenCommand}) {
    const int code = group(**client, json, args);
    if (code != kNotMine) return code;
  }
  return UsageError(UnknownCommand(args), *usage);
}

}  // namespace
}  // namespace outpost::client

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(outpost::client::ProgramUsage());
  std::vector<char*> args =
      outpost::ParseCommandLineWithHelp(argc, argv, {"client/"});
  // UTF-8 for display widths of Chinese text; the output bytes are unchanged.
  std::setlocale(LC_CTYPE, "C.UTF-8");
  return outpost::client::Run(args);
}
