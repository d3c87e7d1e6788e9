// `outpost` commands about the node itself: status, verify.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/cli.h"
#include "client/cli_flags.h"

namespace outpost::client {

namespace {

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
  std::printf("副本 replica     %s\n", s->replica_id().c_str());
  std::printf("时钟 clock skew  %lld held now, %lld since start\n",
              static_cast<long long>(s->held_for_clock()),
              static_cast<long long>(s->clock_skew_warnings()));
  if (s->dot_conflicts() > 0) {
    std::printf("身份冲突 dot conflicts %lld (see quarantine list)\n",
                static_cast<long long>(s->dot_conflicts()));
  }
  for (const auto& r : s->refused()) {
    std::printf("拒收 refused     %lld from %s: %s\n",
                static_cast<long long>(r.count()), r.peer().c_str(),
                r.reason().c_str());
  }
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
              << absl::StrJoin(differ, ", ")
              << " (outpost repair --scope=S re-exchanges a scope)"
              << std::endl;
    return kExitRefused;
  }
  return 0;
}

}  // namespace

absl::Span<const CommandUsage> AdminUsage() {
  static constexpr CommandUsage kUsage[] = {
      {"status",
       "节点状态 the node's state: role, upstream, last sync, conflicts, "
       "quarantine, peers",
       "status"},
      {"verify",
       "与上游核对 compare this node's digests with its upstream, per table "
       "and scope (exit 1 naming what differs)",
       "verify"},
  };
  return kUsage;
}

int AdminCommand(Client& client, bool json,
                 const std::vector<std::string>& args) {
  const std::string command = args.empty() ? "" : args[0];
  if (command == "status") return CmdStatus(client, json);
  if (command == "verify") return CmdVerify(client, json);
  return kNotMine;
}

}  // namespace outpost::client
