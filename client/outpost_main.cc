// outpost: the command-line thin client (see README "outpost CLI").
//
//   outpost [--node=HOST:PORT] [--json] COMMAND [ARGS...]
//
// Human-readable output by default; --json prints the response in protobuf's
// JSON mapping with the proto's field names. Exit codes: 0 success, 1 the
// node refused or the check failed (verify), 2 bad usage, 3 node unreachable.
// Each command group lives in its own cli_*.cc file.
#include <clocale>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_join.h"
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
    std::cerr << "outpost: a command is required; see --help" << std::endl;
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
  const std::vector<std::string> args(argv.begin() + 1, argv.end());
  for (auto* group : {&AdminCommand, &CommunityCommand, &ConflictsCommand,
                      &ConsolidationCommand, &TokenCommand}) {
    const int code = group(**client, json, args);
    if (code != kNotMine) return code;
  }
  std::cerr << "outpost: unknown command \"" << absl::StrJoin(args, " ")
            << "\" (see --help)" << std::endl;
  return kExitUsage;
}

}  // namespace
}  // namespace outpost::client

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "outpost [--node=HOST:PORT] [--json] COMMAND\n"
      "commands: status | verify | conflicts list [--table --community]\n"
      "  compound add --id --community --name [--kind] | compound list "
      "[--community]\n"
      "  checkpoint add --id --compound --name | checkpoint list [--compound]\n"
      "  checkpoint close CP | checkpoint open CP\n"
      "  community add --id --name | community list | community close|open "
      "C\n"
      "  staff add --id --name --checkpoint --shift=HH:MM-HH:MM [--phone "
      "--role] | staff list\n"
      "  party add --id --name --compound [--posts=CP,CP] | party list "
      "[--community]\n"
      "  household add --community --compound --building [--unit] --room\n"
      "  resident add --household --name --id_number [--phone --key_category]\n"
      "  resident update ID [--name --phone --control --control_start "
      "--control_end\n"
      "      --key_category --special_care]\n"
      "  resident show ID [--unmasked] | resident find --id_number | resident "
      "list "
      "[--community --compound --control]\n"
      "  pass --checkpoint --id_number --direction=in|out --temp [--staff "
      "--visitor_name]\n"
      "  alerts list [--status] | alerts ack|handle|close ID --note --by\n"
      "  health record --resident=ID --temp=T [--symptoms --by] | health due "
      "[--interval_hours]\n"
      "  import residents FILE.csv [--skip_bad]\n"
      "  conflicts list [--table --community --since] | conflicts show ID\n"
      "  conflicts resolve ID (--pick=N | --value=V | --stay_deleted | "
      "--restore) --reason [--by]\n"
      "  quarantine list | show ID | retry ID [--reason --by] | discard ID "
      "--reason [--by]\n"
      "  repair --scope=S [--reason --by] | audit [--since]\n"
      "  report submit --community --date [--zero] --by [--note] | report "
      "show --community --date\n"
      "  report list [--date --community] | report completeness --date "
      "[--deadline=HH:MM]\n"
      "  supplies items | supplies receive --item --qty --location "
      "--source=procurement|donation [--donor --batch --by]\n"
      "  supplies issue --item --qty --from --to [--kind=transfer --by] | "
      "supplies stock [--location] | donations list\n"
      "  services request --household --kind=purchase|delivery --detail --by "
      "| services accept|deliver|cancel ID --by\n"
      "  services list [--status --community] | services visit --resident "
      "--mode=phone|in_person [--note] --by | services visits [--resident]\n"
      "  incidents open --compound --kind=confirmed|suspected [--note] --by | "
      "incidents action ID --action [--status] --by | incidents list "
      "[--status]\n"
      "  enterprises add --id --name --community [--employees] --by | "
      "enterprises update ID [--filing_status --employees] --by | enterprises "
      "list\n"
      "  summary [--days] | export TABLE --out=FILE.csv [--excel]\n"
      "  token create --role=R [--scope=C --name=N --checkpoint=CP] | token "
      "list | token "
      "revoke ID\n"
      "global: --token=T (or OUTPOST_TOKEN) --tls_ca=CA.pem");
  std::vector<char*> args =
      outpost::ParseCommandLineWithHelp(argc, argv, {"client/"});
  // UTF-8 for display widths of Chinese text; the output bytes are unchanged.
  std::setlocale(LC_CTYPE, "C.UTF-8");
  return outpost::client::Run(args);
}
