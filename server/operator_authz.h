// The one decision "may this caller act as an operator?" (resolve conflicts,
// retry or discard quarantined changes, repair a scope). Every such path of
// the Operator service calls RequireOperator before doing anything.
//
// The caller's token (server/auth.h) decides: community operator, central
// operator or admin, and a community operator only within its community.
// The identity the audit trail records is the token's name, with the
// caller's --by claim (the person at the desk) in front when given.
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

// OK with the identity to record, or PERMISSION_DENIED naming the role or
// scope that is missing. `claimed_by` is the caller's claim (the CLI's
// --by). `scope` is the scope the action touches ("" when none). Without an
// AuthInterceptor (in-process tests) the claim is the identity and required.
absl::StatusOr<OperatorIdentity> RequireOperator(
    const grpc::ServerContextBase& context, absl::string_view claimed_by,
    absl::string_view scope);

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_OPERATOR_AUTHZ_H_
