// The one decision "may this caller act as an operator?" (resolve conflicts,
// retry or discard quarantined changes, repair a scope). Every such path of
// the Operator service calls RequireOperator before doing anything.
//
// Today there are no client identities: every caller is allowed and the
// identity recorded in the audit trail is the one the caller claims (--by).
// When tokens with roles exist, this function is where they are checked:
// PERMISSION_DENIED for a caller whose role is not community operator,
// central operator or admin (or whose scope does not hold `scope`), and the
// returned identity comes from the token instead of the claim.
#ifndef OUTPOST_SERVER_OPERATOR_AUTHZ_H_
#define OUTPOST_SERVER_OPERATOR_AUTHZ_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace outpost::server {

// Who is acting, as the audit trail records it.
struct OperatorIdentity {
  std::string name;
};

// OK with the identity to record, or PERMISSION_DENIED naming what is
// missing. `claimed_by` is the caller's claim (the CLI's --by); required
// (INVALID_ARGUMENT "by: ...") while it is the only identity there is.
// `scope` is the scope the action touches ("" when none).
absl::StatusOr<OperatorIdentity> RequireOperator(
    const grpc::ServerContextBase& context, absl::string_view claimed_by,
    absl::string_view scope);

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_OPERATOR_AUTHZ_H_
