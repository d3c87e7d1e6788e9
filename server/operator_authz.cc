#include "server/operator_authz.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/auth.h"

namespace outpost::server {

absl::StatusOr<OperatorIdentity> RequireOperator(
    const grpc::ServerContextBase& context, absl::string_view claimed_by,
    absl::string_view scope) {
  const absl::string_view by = absl::StripAsciiWhitespace(claimed_by);
  const std::optional<Principal> caller = CallPrincipal(&context);
  if (!caller.has_value()) {
    // A server without the AuthInterceptor (in-process tests): the claim is
    // the only identity, so it may not be empty.
    if (by.empty()) {
      return absl::InvalidArgumentError(
          "by: required (who is acting, recorded in the audit trail)");
    }
    return OperatorIdentity{std::string(by)};
  }
  if (caller->role != Role::kOperator &&
      caller->role != Role::kCentralOperator && caller->role != Role::kAdmin) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", RoleName(caller->role),
                     " may not resolve, retry, discard or repair: operators "
                     "only (operator, central_operator, admin)"));
  }
  if (!scope.empty() && !caller->scope.empty() && caller->scope != scope) {
    return absl::PermissionDeniedError(
        absl::StrCat("token \"", caller->name, "\" works in ", caller->scope,
                     ", not in ", scope));
  }
  // The token names who acts; --by, when given, adds the person at the desk.
  const std::string token_name =
      caller->name.empty() ? std::string(RoleName(caller->role)) : caller->name;
  if (by.empty() || by == token_name) return OperatorIdentity{token_name};
  return OperatorIdentity{absl::StrCat(by, " (", token_name, ")")};
}

}  // namespace outpost::server
