// The Tokens service: admin creates, lists and revokes this node's client
// tokens (see server/auth.h; the method table makes it admin-only).
#ifndef OUTPOST_SERVER_TOKEN_SERVICE_H_
#define OUTPOST_SERVER_TOKEN_SERVICE_H_

#include "outpost/v1/auth.grpc.pb.h"
#include "server/auth.h"
#include "server/work_pool.h"

namespace outpost::server {

class TokenService final : public outpost::v1::Tokens::CallbackService {
 public:
  explicit TokenService(TokenStore* tokens) : tokens_(tokens) {}

  grpc::ServerUnaryReactor* CreateToken(
      grpc::CallbackServerContext* context,
      const outpost::v1::CreateTokenRequest* request,
      outpost::v1::CreateTokenResponse* response) override;
  grpc::ServerUnaryReactor* ListTokens(
      grpc::CallbackServerContext* context,
      const outpost::v1::ListTokensRequest* request,
      outpost::v1::ListTokensResponse* response) override;
  grpc::ServerUnaryReactor* RevokeToken(
      grpc::CallbackServerContext* context,
      const outpost::v1::RevokeTokenRequest* request,
      outpost::v1::TokenInfo* response) override;

 private:
  TokenStore* const tokens_;
  WorkPool pool_{2};
};

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_TOKEN_SERVICE_H_
