// outpost: the command-line thin client (see README "outpost CLI").
//
//   outpost [--node=HOST:PORT] [--json] COMMAND [ARGS...]
//
// Human-readable output by default; --json prints the response in protobuf's
// JSON mapping with the proto's field names. Exit codes: 0 success, 1 the
// node refused or the check failed (verify), 2 bad usage, 3 node unreachable.
#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/client.h"

ABSL_FLAG(std::string, node, "127.0.0.1:7400",
          "the node to talk to, HOST:PORT");
ABSL_FLAG(bool, json, false, "print the response as JSON (proto field names)");
ABSL_FLAG(int, timeout_ms, 5000, "give up on the node after this long");
ABSL_FLAG(std::string, table, "", "conflicts list: only this table");
ABSL_FLAG(std::string, community, "",
          "conflicts list: only this community (scope)");

namespace outpost::client {
namespace {

constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnreachable = 3;

int Fail(const absl::Status& status) {
  std::cerr << "outpost: " << status.message() << std::endl;
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    return kExitUnreachable;
  }
  if (absl::IsInvalidArgument(status)) return kExitUsage;
  return kExitRefused;
}

void PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  std::cout << out;
}

std::string FormatMs(int64_t ms) {
  if (ms <= 0) return "从未 (never)";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(ms),
                          absl::LocalTimeZone());
}

std::string FormatVv(const outpost::v1::VersionVector& vv) {
  std::vector<std::string> parts;
  for (const auto& e : vv.entries())
    parts.push_back(absl::StrCat(e.origin(), ":", e.seq()));
  return parts.empty() ? "-" : absl::StrJoin(parts, " ");
}

int CmdStatus(Client& client, bool json) {
  absl::StatusOr<outpost::v1::StatusResponse> s = client.Status();
  if (!s.ok()) return Fail(s.status());
  if (json) {
    PrintJson(*s);
    return 0;
  }
  std::printf("节点 node        %s (%s)\n", s->node_id().c_str(),
              s->role().c_str());
  std::printf("范围 scopes      %s\n", absl::StrJoin(s->scopes(), ",").c_str());
  std::printf("上游 upstream    %s %s\n", s->upstream_state().c_str(),
              s->upstream_address().c_str());
  if (!s->upstream_last_error().empty()) {
    std::printf("上次错误 error   %s\n", s->upstream_last_error().c_str());
  }
  std::printf("最近同步 synced  %s\n", FormatMs(s->last_sync_ms()).c_str());
  std::printf("版本 vv          %s\n", FormatVv(s->vv()).c_str());
  std::printf("日志 log         %lld changes\n",
              static_cast<long long>(s->log_size()));
  std::printf("冲突 conflicts   %lld\n",
              static_cast<long long>(s->open_conflicts()));
  std::printf("隔离 quarantined %lld\n",
              static_cast<long long>(s->quarantined()));
  std::printf("等待 pending     %lld\n", static_cast<long long>(s->pending()));
  std::printf("时钟 clock skew  %lld warnings\n",
              static_cast<long long>(s->clock_skew_warnings()));
  for (const auto& p : s->peers()) {
    std::printf("对端 peer        %s backlog %llu sent %lld received %lld\n",
                p.node_id().c_str(),
                static_cast<unsigned long long>(p.backlog()),
                static_cast<long long>(p.changes_sent()),
                static_cast<long long>(p.changes_received()));
  }
  return 0;
}

int CmdVerify(Client& client, bool json) {
  absl::StatusOr<outpost::v1::VerifyResponse> v = client.Verify();
  if (!v.ok()) return Fail(v.status());
  if (json) {
    PrintJson(*v);
  } else {
    for (const auto& e : v->entries()) {
      std::printf("%-4s %-20s %-12s %8lld rows (upstream %lld)\n",
                  e.equal() ? "OK" : "DIFF", e.table().c_str(),
                  e.scope().c_str(), static_cast<long long>(e.local_rows()),
                  static_cast<long long>(e.upstream_rows()));
    }
  }
  if (!v->all_equal()) {
    std::vector<std::string> differ;
    for (const auto& e : v->entries()) {
      if (!e.equal()) differ.push_back(absl::StrCat(e.table(), "/", e.scope()));
    }
    std::cerr << "outpost: differs from upstream " << v->upstream() << ": "
              << absl::StrJoin(differ, ", ") << std::endl;
    return kExitRefused;
  }
  return 0;
}

int CmdConflictsList(Client& client, bool json) {
  outpost::v1::ConflictsRequest request;
  request.set_table(absl::GetFlag(FLAGS_table));
  request.set_scope(absl::GetFlag(FLAGS_community));
  absl::StatusOr<outpost::v1::ConflictsResponse> c = client.Conflicts(request);
  if (!c.ok()) return Fail(c.status());
  if (json) {
    PrintJson(*c);
    return 0;
  }
  if (c->conflicts().empty()) std::printf("没有冲突 (no conflicts)\n");
  for (const auto& x : c->conflicts()) {
    std::printf("%s  %s %s.%s (%s, %s) %d values\n", x.id().c_str(),
                x.table().c_str(), x.row_id().c_str(), x.field().c_str(),
                x.scope().c_str(), x.kind().c_str(), x.values_size());
  }
  return 0;
}

int Run(const std::vector<char*>& args) {
  if (args.size() < 2) {
    std::cerr
        << "outpost: a command is required (status, verify, conflicts list); "
           "see --help"
        << std::endl;
    return kExitUsage;
  }
  Client::Options options;
  options.address = absl::GetFlag(FLAGS_node);
  options.timeout = absl::Milliseconds(absl::GetFlag(FLAGS_timeout_ms));
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(options);
  if (!client.ok()) return Fail(client.status());
  const bool json = absl::GetFlag(FLAGS_json);
  const std::string command = args[1];
  const std::string sub = args.size() > 2 ? args[2] : "";
  if (command == "status") return CmdStatus(**client, json);
  if (command == "verify") return CmdVerify(**client, json);
  if (command == "conflicts" && (sub == "list" || sub.empty())) {
    return CmdConflictsList(**client, json);
  }
  std::cerr << "outpost: unknown command \""
            << absl::StrJoin(args.begin() + 1, args.end(), " ")
            << "\" (status, verify, conflicts list)" << std::endl;
  return kExitUsage;
}

}  // namespace
}  // namespace outpost::client

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "outpost [--node=HOST:PORT] [--json] COMMAND\n"
      "commands: status, verify, conflicts list [--table=T] [--community=C]");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  return outpost::client::Run(args);
}
