// `outpost` commands for what sync surfaces to operators: conflicts (list,
// show, resolve), quarantined changes (list, show, retry, discard), repair
// of a scope with the upstream, and the audit trail. The node does the work
// (Operator service); this file parses flags and prints.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/cli.h"
#include "client/cli_flags.h"

ABSL_FLAG(int, pick, 0,
          "conflicts resolve: the value to keep, 1-based as `conflicts show` "
          "lists them");
ABSL_FLAG(std::string, value, "",
          "conflicts resolve: a new value instead (converted to the field's "
          "type)");
ABSL_FLAG(bool, stay_deleted, false,
          "conflicts resolve (delete-vs-edit): keep the row deleted");
ABSL_FLAG(bool, restore, false,
          "conflicts resolve (delete-vs-edit): restore the row with the edits");
ABSL_FLAG(std::string, reason, "",
          "conflicts resolve, quarantine retry|discard, repair: why "
          "(recorded in the audit trail)");
ABSL_FLAG(std::string, since, "",
          "conflicts list, audit: only from this local date or date-time on "
          "(2026-11-29, 2026-11-29T08:00, \"2026-11-29 08:00:00\")");

namespace outpost::client {
namespace {

constexpr CommandUsage kConflicts = {
    "conflicts",
    "冲突 values edited concurrently on two nodes, for an operator to settle",
    "conflicts list [--table=T] [--community=C] [--since=D]\n"
    "conflicts show ID\n"
    "conflicts resolve ID (--pick=N | --value=V | --stay_deleted | --restore) "
    "--reason=TEXT [--by=WHO]"};
constexpr CommandUsage kQuarantine = {
    "quarantine",
    "隔离的变更 changes this node refused, kept to retry or discard",
    "quarantine list\n"
    "quarantine show ID\n"
    "quarantine retry ID [--reason=TEXT] [--by=WHO]\n"
    "quarantine discard ID --reason=TEXT [--by=WHO]"};
constexpr CommandUsage kRepair = {
    "repair",
    "修复 re-exchange one scope with the upstream, then compare digests "
    "(community node)",
    "repair --scope=S [--reason=TEXT] [--by=WHO]"};
constexpr CommandUsage kAudit = {
    "audit", "审计 the trail of operator actions: who, what, why",
    "audit [--since=D]"};

// --since as Unix ms (0 when not given); the error names the flag.
absl::StatusOr<int64_t> SinceMs() {
  const std::string text = absl::GetFlag(FLAGS_since);
  if (text.empty()) return 0;
  for (const char* format : {"%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S",
                             "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"}) {
    absl::Time t;
    if (absl::ParseTime(format, text, absl::LocalTimeZone(), &t, nullptr)) {
      return absl::ToUnixMillis(t);
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--since: \"", text,
                   "\" is not a date (2026-11-29) or date-time "
                   "(2026-11-29T08:00[:00])"));
}

// Who is at the desk: --by, else the login name (the node adds the token's
// name; see RequireOperator).
std::string By() {
  std::string by = absl::GetFlag(FLAGS_by);
  if (by.empty()) {
    const char* user = std::getenv("USER");
    if (user != nullptr) by = user;
  }
  return by;
}

int64_t NewestMs(const outpost::v1::ConflictView& c) {
  uint64_t hlc = 0;
  for (const auto& v : c.values()) hlc = std::max<uint64_t>(hlc, v.hlc());
  return static_cast<int64_t>(hlc >> 16);  // HLC: physical ms << 16
}

int CmdConflictsList(Client& client, bool json) {
  absl::StatusOr<int64_t> since = SinceMs();
  if (!since.ok()) return Fail(since.status());
  outpost::v1::ConflictsRequest request;
  request.set_table(absl::GetFlag(FLAGS_table));
  request.set_scope(absl::GetFlag(FLAGS_community));
  absl::StatusOr<outpost::v1::ConflictsResponse> c = client.Conflicts(request);
  if (!c.ok()) return Fail(c.status());
  if (*since > 0) {
    outpost::v1::ConflictsResponse kept;
    for (const auto& x : c->conflicts()) {
      if (NewestMs(x) >= *since) *kept.add_conflicts() = x;
    }
    *c = std::move(kept);
  }
  if (json) {
    PrintJson(*c);
    return 0;
  }
  if (c->conflicts().empty()) std::printf("没有冲突 (no conflicts)\n");
  for (const auto& x : c->conflicts()) {
    std::printf("%s  %s %s.%s (%s, %s) %d values, newest %s\n", x.id().c_str(),
                x.table().c_str(), x.row_id().c_str(), x.field().c_str(),
                x.scope().c_str(), x.kind().c_str(), x.values_size(),
                FormatMs(NewestMs(x)).c_str());
  }
  return 0;
}

int CmdConflictsShow(Client& client, bool json, const std::string& id) {
  if (id.empty()) return UsageError("conflicts show needs an ID", kConflicts);
  outpost::v1::ConflictShowRequest request;
  request.set_id(id);
  absl::StatusOr<outpost::v1::ConflictShowResponse> r =
      client.ConflictShow(request);
  if (!r.ok()) return Fail(r.status());
  if (json) {
    PrintJson(*r);
    return 0;
  }
  const auto& c = r->conflict();
  const bool delete_vs_edit = c.kind() == "DELETE_VS_UPDATE";
  std::printf("冲突 conflict  %s\n", c.id().c_str());
  std::printf("表 table       %s, 行 row %s, 范围 scope %s\n",
              c.table().c_str(), c.row_id().c_str(), c.scope().c_str());
  std::printf("字段 field     %s (%s)\n",
              delete_vs_edit ? "整行 whole row: 删除与修改 delete vs edit"
                             : c.field().c_str(),
              c.kind().c_str());
  std::printf("该行 the row:\n");
  int width = 0;
  for (const auto& f : r->row())
    width = std::max(width, DisplayWidth(f.label()));
  for (const auto& f : r->row()) {
    std::printf("  %s%*s  %s\n", f.label().c_str(),
                width - DisplayWidth(f.label()), "", f.value().c_str());
  }
  std::printf(
      "竞争值 competing values (节点 origin, 操作员 author, 时间 time):\n");
  for (const std::string& option : r->options()) {
    std::printf("  %s\n", option.c_str());
  }
  std::printf("解决 resolve: outpost conflicts resolve %s %s --reason=...\n",
              c.id().c_str(),
              delete_vs_edit ? "(--stay_deleted | --restore | --pick=N)"
                             : "(--pick=N | --value=V)");
  return 0;
}

int CmdConflictsResolve(Client& client, bool json, const std::string& id) {
  if (id.empty()) {
    return UsageError("conflicts resolve needs an ID", kConflicts);
  }
  outpost::v1::ConflictResolveRequest request;
  request.set_id(id);
  request.set_pick(absl::GetFlag(FLAGS_pick));
  if (!absl::GetFlag(FLAGS_value).empty()) {
    request.set_value(absl::GetFlag(FLAGS_value));
  }
  request.set_stay_deleted(absl::GetFlag(FLAGS_stay_deleted));
  request.set_restore(absl::GetFlag(FLAGS_restore));
  request.set_reason(absl::GetFlag(FLAGS_reason));
  request.set_by(By());
  if (request.reason().empty()) {
    return UsageError(
        "--reason is required (why this value; kept in the audit)", kConflicts);
  }
  absl::StatusOr<outpost::v1::ConflictResolveResponse> r =
      client.ConflictResolve(request);
  if (!r.ok()) return Fail(r.status());
  if (json) {
    PrintJson(*r);
  } else {
    std::printf("已解决 resolved %s: %s (change %s:%llu)\n", id.c_str(),
                r->chosen().c_str(), r->dot().origin().c_str(),
                static_cast<unsigned long long>(r->dot().seq()));
  }
  return 0;
}

absl::StatusOr<int64_t> ParseId(const std::string& text) {
  int64_t id;
  if (!absl::SimpleAtoi(text, &id) || id <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ID: a quarantine entry number is required, not \"", text, "\""));
  }
  return id;
}

void PrintQuarantine(const outpost::v1::QuarantineView& e) {
  std::printf("%lld  %s %s/%s (%s) from %s:%llu via %s, %s\n  %s: %s\n",
              static_cast<long long>(e.id()), FormatMs(e.received_ms()).c_str(),
              e.table().c_str(), e.row_id().c_str(), e.scope().c_str(),
              e.origin().c_str(), static_cast<unsigned long long>(e.seq()),
              e.peer().c_str(), absl::StrJoin(e.writes(), " ").c_str(),
              e.code().c_str(), e.reason().c_str());
}

int QuarantineCommand(Client& client, bool json,
                      const std::vector<std::string>& args) {
  const std::string sub = args.size() > 1 ? args[1] : "list";
  if (sub == "list") {
    absl::StatusOr<outpost::v1::QuarantineListResponse> r =
        client.QuarantineList();
    if (!r.ok()) return Fail(r.status());
    if (json) {
      PrintJson(*r);
      return 0;
    }
    if (r->entries().empty())
      std::printf("没有隔离的变更 (nothing quarantined)\n");
    for (const auto& e : r->entries()) PrintQuarantine(e);
    return 0;
  }
  if (sub != "show" && sub != "retry" && sub != "discard") {
    return UsageError(absl::StrCat("unknown command \"quarantine ", sub, "\""),
                      kQuarantine);
  }
  absl::StatusOr<int64_t> id = ParseId(args.size() > 2 ? args[2] : "");
  if (!id.ok()) return Fail(id.status());
  if (sub == "show") {
    absl::StatusOr<outpost::v1::QuarantineView> r = client.QuarantineShow(*id);
    if (!r.ok()) return Fail(r.status());
    if (json) {
      PrintJson(*r);
    } else {
      PrintQuarantine(*r);
    }
    return 0;
  }
  outpost::v1::QuarantineActionRequest request;
  request.set_id(*id);
  request.set_reason(absl::GetFlag(FLAGS_reason));
  request.set_by(By());
  if (sub == "discard" && request.reason().empty()) {
    return UsageError("--reason is required to discard (kept in the audit)",
                      kQuarantine);
  }
  absl::Status status = sub == "retry" ? client.QuarantineRetry(request)
                                       : client.QuarantineDiscard(request);
  if (!status.ok()) return Fail(status);
  if (json) {
    PrintJson(outpost::v1::QuarantineActionResponse());
  } else {
    std::printf("%s %lld\n",
                sub == "retry" ? "已应用 applied" : "已丢弃 discarded",
                static_cast<long long>(*id));
  }
  return 0;
}

int RepairCommand(Client& client, bool json) {
  outpost::v1::RepairRequest request;
  request.set_scope(absl::GetFlag(FLAGS_scope));
  request.set_reason(absl::GetFlag(FLAGS_reason));
  request.set_by(By());
  if (request.scope().empty()) {
    return UsageError("repair needs --scope=COMMUNITY", kRepair);
  }
  absl::StatusOr<outpost::v1::RepairResponse> r = client.Repair(request);
  if (!r.ok()) return Fail(r.status());
  if (json) {
    PrintJson(*r);
  } else {
    std::printf(
        "修复 repair %s with %s: received %lld (applied %lld), sent %lld "
        "(applied %lld upstream)\n",
        request.scope().c_str(), r->upstream().c_str(),
        static_cast<long long>(r->received()),
        static_cast<long long>(r->applied_here()),
        static_cast<long long>(r->sent()),
        static_cast<long long>(r->applied_upstream()));
    std::printf("%s\n", r->equal() ? "一致 digests equal"
                                   : "仍不一致 digests still differ");
  }
  if (!r->equal()) {
    std::cerr << "outpost: scope " << request.scope()
              << " still differs from upstream " << r->upstream()
              << " (see `outpost verify` and `outpost quarantine list`)"
              << std::endl;
    return kExitRefused;
  }
  return 0;
}

int AuditCommand(Client& client, bool json) {
  absl::StatusOr<int64_t> since = SinceMs();
  if (!since.ok()) return Fail(since.status());
  outpost::v1::AuditRequest request;
  request.set_since_ms(*since);
  absl::StatusOr<outpost::v1::AuditResponse> r = client.Audit(request);
  if (!r.ok()) return Fail(r.status());
  if (json) {
    PrintJson(*r);
    return 0;
  }
  if (r->entries().empty()) std::printf("没有记录 (no entries)\n");
  for (const auto& e : r->entries()) {
    std::printf("%s  %s@%s  %s  %s: %s\n  原因 reason: %s\n",
                FormatMs(e.at_ms()).c_str(), e.author().c_str(),
                e.node().c_str(), e.action().c_str(), e.target().c_str(),
                e.detail().c_str(), e.reason().c_str());
  }
  return 0;
}

}  // namespace

absl::Span<const CommandUsage> ConflictsUsage() {
  static constexpr CommandUsage kUsage[] = {kConflicts, kQuarantine, kRepair,
                                            kAudit};
  return kUsage;
}

int ConflictsCommand(Client& client, bool json,
                     const std::vector<std::string>& args) {
  const std::string command = args.empty() ? "" : args[0];
  const std::string sub = args.size() > 1 ? args[1] : "";
  const std::string arg = args.size() > 2 ? args[2] : "";
  if (command == "conflicts") {
    if (sub == "list" || sub.empty()) return CmdConflictsList(client, json);
    if (sub == "show") return CmdConflictsShow(client, json, arg);
    if (sub == "resolve") return CmdConflictsResolve(client, json, arg);
    return UsageError(absl::StrCat("unknown command \"conflicts ", sub, "\""),
                      kConflicts);
  }
  if (command == "quarantine") return QuarantineCommand(client, json, args);
  if (command == "repair") return RepairCommand(client, json);
  if (command == "audit") return AuditCommand(client, json);
  return kNotMine;
}

}  // namespace outpost::client
