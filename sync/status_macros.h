// Small status helpers: Debian's Abseil (20220623) ships no status macros.
//
//   RETURN_IF_ERROR(DoThing());
//   ASSIGN_OR_RETURN(auto rows, ReadRows());
#ifndef OUTPOST_SYNC_STATUS_MACROS_H_
#define OUTPOST_SYNC_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define OUTPOST_CONCAT_INNER_(a, b) a##b
#define OUTPOST_CONCAT_(a, b) OUTPOST_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status outpost_status_ = (expr);           \
    if (!outpost_status_.ok()) return outpost_status_; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr)                                           \
  OUTPOST_ASSIGN_OR_RETURN_IMPL_(OUTPOST_CONCAT_(outpost_so_, __LINE__), lhs, \
                                 expr)

#define OUTPOST_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return std::move(tmp).status();       \
  lhs = std::move(tmp).value()

#endif  // OUTPOST_SYNC_STATUS_MACROS_H_
