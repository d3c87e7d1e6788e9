// Reads of the materialized domain tables on the store's reader connection,
// shared by the domain services.
#ifndef OUTPOST_SERVER_QUERY_H_
#define OUTPOST_SERVER_QUERY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "sync/store.h"

namespace outpost::server {

// A bound parameter: ?1..?n in order.
using QueryArg = std::variant<std::string, int64_t>;

// Runs `sql` (a cached statement) with `args` bound, calling `each` per row.
// The statement is reset even when a step fails.
absl::Status Query(sync::Store* store, const std::string& sql,
                   const std::vector<QueryArg>& args,
                   const std::function<void(sync::Statement&)>& each);

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_QUERY_H_
