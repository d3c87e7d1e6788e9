#include "server/operator_authz.h"

#include "absl/strings/ascii.h"

namespace outpost::server {

absl::StatusOr<OperatorIdentity> RequireOperator(
    const grpc::ServerContextBase& /*context*/, absl::string_view claimed_by,
    absl::string_view /*scope*/) {
  // No roles yet (see the header): every caller may act; the claim is what
  // the audit trail records, so it may not be empty.
  const absl::string_view by = absl::StripAsciiWhitespace(claimed_by);
  if (by.empty()) {
    return absl::InvalidArgumentError(
        "by: required (who is acting, recorded in the audit trail)");
  }
  return OperatorIdentity{std::string(by)};
}

}  // namespace outpost::server
