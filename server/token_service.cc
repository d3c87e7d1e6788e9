#include "server/token_service.h"

#include "server/offload.h"
#include "sync/status_macros.h"

namespace outpost::server {

namespace pb = outpost::v1;

grpc::ServerUnaryReactor* TokenService::CreateToken(
    grpc::CallbackServerContext* context, const pb::CreateTokenRequest* request,
    pb::CreateTokenResponse* response) {
  return Offload(pool_, context, [this, request, response] {
    ASSIGN_OR_RETURN(*response,
                     tokens_->Create(request->role(), request->scope(),
                                     request->name(), request->checkpoint()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* TokenService::ListTokens(
    grpc::CallbackServerContext* context, const pb::ListTokensRequest*,
    pb::ListTokensResponse* response) {
  return Offload(pool_, context, [this, response] {
    ASSIGN_OR_RETURN(std::vector<pb::TokenInfo> tokens, tokens_->List());
    for (pb::TokenInfo& t : tokens) *response->add_tokens() = std::move(t);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* TokenService::RevokeToken(
    grpc::CallbackServerContext* context, const pb::RevokeTokenRequest* request,
    pb::TokenInfo* response) {
  return Offload(pool_, context, [this, request, response] {
    ASSIGN_OR_RETURN(*response, tokens_->Revoke(request->id()));
    return absl::OkStatus();
  });
}

}  // namespace outpost::server
