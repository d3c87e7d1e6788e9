// Small helpers shared by the consolidation_*.cc files.
#ifndef OUTPOST_SERVER_CONSOLIDATION_UTIL_H_
#define OUTPOST_SERVER_CONSOLIDATION_UTIL_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "sync/store.h"

namespace outpost::server::consolidation {

inline sync::WriteRequest Row(const std::string& table, const std::string& id,
                              const std::string& scope,
                              const std::string& author) {
  sync::WriteRequest w;
  w.table = table;
  w.row_id = id;
  w.scope = scope;
  w.author = author;
  return w;
}

inline bool OneOf(const std::string& value,
                  std::initializer_list<absl::string_view> allowed) {
  for (absl::string_view a : allowed) {
    if (value == a) return true;
  }
  return false;
}

// A fresh row id from the node's clock: "<prefix><hlc hex>-<node>",
// time-ordered (cheap inserts) and unique across nodes.
inline std::string NewId(sync::Store* store, absl::string_view prefix,
                         uint64_t* hlc_out = nullptr) {
  const uint64_t hlc = store->clock().Now();
  if (hlc_out != nullptr) *hlc_out = hlc;
  return absl::StrFormat("%s%016x-%s", prefix, hlc, store->node_id());
}

inline int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

}  // namespace outpost::server::consolidation

#endif  // OUTPOST_SERVER_CONSOLIDATION_UTIL_H_
