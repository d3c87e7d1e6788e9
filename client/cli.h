// Output and error conventions shared by every `outpost` command group:
// exit codes, one clear line on stderr, --json in protobuf's JSON mapping with
// the proto's field names, and aligned human-readable tables (Chinese text
// counted at its display width).
#ifndef OUTPOST_CLIENT_CLI_H_
#define OUTPOST_CLIENT_CLI_H_

#include <google/protobuf/message.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "client/client.h"
#include "outpost/v1/sync.pb.h"

namespace outpost::client {

constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnreachable = 3;
// A command group's answer for a command that is not one of its own.
constexpr int kNotMine = -1;

// Prints "outpost: <message>" on stderr; returns the exit code for `status`.
int Fail(const absl::Status& status);
void PrintJson(const google::protobuf::Message& message);
// The message's fields one per line, Chinese shown as is.
void PrintText(const google::protobuf::Message& message);
// Display width of UTF-8 text on a terminal (Chinese takes two columns).
int DisplayWidth(const std::string& text);
// A response holding one list prints as an aligned table (columns that are
// empty in every row are left out); anything else as "field: value" lines.
void PrintHuman(const google::protobuf::Message& response);
// A local time for a Unix time in milliseconds; "never" for 0.
std::string FormatMs(int64_t ms);
std::string FormatVv(const outpost::v1::VersionVector& vv);
// Parses a number given in --flag; the error names the flag.
absl::StatusOr<double> ParseNumber(const std::string& flag,
                                   const std::string& text);

// Prints a response (JSON or human) or fails with its status.
template <typename Response>
int Show(const absl::StatusOr<Response>& response, bool json) {
  if (!response.ok()) return Fail(response.status());
  if (json) {
    PrintJson(*response);
  } else {
    PrintHuman(*response);
  }
  return 0;
}

// The command groups. Each returns kNotMine for a command it does not know.
// `args` are the positional arguments after the program name:
// args[0] the command, args[1] the subcommand, args[2] its argument.
int AdminCommand(Client& client, bool json,
                 const std::vector<std::string>& args);
int TokenCommand(Client& client, bool json,
                 const std::vector<std::string>& args);
int CommunityCommand(Client& client, bool json,
                     const std::vector<std::string>& args);
// conflicts, quarantine, repair, audit (cli_conflicts.cc).
int ConflictsCommand(Client& client, bool json,
                     const std::vector<std::string>& args);
int ConsolidationCommand(Client& client, bool json,
                         const std::vector<std::string>& args);

// The usage of one command (the first argument), written once beside the code
// that runs it: `outpost help COMMAND` prints it, `outpost help` and --help
// list it, and the command's usage errors show it.
struct CommandUsage {
  const char* command;  // "conflicts"
  const char* what;     // one line, Chinese first, English beside it
  const char* forms;    // one form a line, without the leading "outpost "
};

// Each group's commands, in the order `outpost help` lists them.
absl::Span<const CommandUsage> AdminUsage();
absl::Span<const CommandUsage> CommunityUsage();
absl::Span<const CommandUsage> ConflictsUsage();
absl::Span<const CommandUsage> ConsolidationUsage();
absl::Span<const CommandUsage> TokenUsage();

// The usage of `command`; nullptr when no group has it (cli_help.cc).
const CommandUsage* FindUsage(const std::string& command);
// What it is for, then "outpost FORM" lines.
void PrintUsage(std::ostream& out, const CommandUsage& usage);
// "outpost: <problem>" and the command's usage on stderr; returns kExitUsage.
// `problem` is often UnknownCommand(args): "unknown command \"ARGS...\"".
int UsageError(const std::string& problem, const CommandUsage& usage);
std::string UnknownCommand(const std::vector<std::string>& args);
// `outpost help [COMMAND]`, which needs no node: the groups and their
// commands, or one command's usage (exit 2 naming the commands if unknown).
int HelpCommand(const std::vector<std::string>& args);
// The text --help shows above the flags: the global form and every command.
std::string ProgramUsage();

}  // namespace outpost::client

#endif  // OUTPOST_CLIENT_CLI_H_
