#include "server/audit.h"

#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace outpost::server {

sync::WriteRequest AuditWrite(const sync::Store& store,
                              const AuditEntryInput& entry) {
  static thread_local std::mt19937_64 random(std::random_device{}());
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  sync::WriteRequest w;
  w.table = kAuditTable;
  w.row_id = absl::StrCat(store.node_id(), "/", now_ms, "/",
                          absl::Hex(random(), absl::kZeroPad16));
  w.scope = entry.scope;
  w.author = entry.author;
  w.Set("action", sync::TextValue(entry.action))
      .Set("target", sync::TextValue(entry.target))
      .Set("detail", sync::TextValue(entry.detail))
      .Set("reason", sync::TextValue(entry.reason))
      .Set("author", sync::TextValue(entry.author))
      .Set("node", sync::TextValue(store.node_id()))
      .Set("at_ms", sync::IntValue(now_ms));
  return w;
}

std::string AuditScopeFor(const sync::Store& store, const std::string& scope) {
  if (!scope.empty() && store.scopes().Contains(scope)) return scope;
  const std::vector<std::string> own = store.scopes().ToList();
  if (own.size() == 1 && own[0] != "*") return own[0];
  return store.node_id();
}

}  // namespace outpost::server
