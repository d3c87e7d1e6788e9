// `outpost token ...`: the node's client tokens (admin only; usage in
// kToken).
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "client/cli.h"
#include "client/cli_flags.h"

ABSL_FLAG(bool, unmasked, false,
          "resident show: the full ID-card number (registrar and above; "
          "audited by the node)");

namespace outpost::client {
namespace {

constexpr CommandUsage kToken = {
    "token", "客户端令牌 the node's client tokens (admin only)",
    "token create --role=R [--scope=COMMUNITY] [--name=WHO] "
    "[--checkpoint=CP]\n"
    "token list\n"
    "token revoke ID"};

}  // namespace

absl::Span<const CommandUsage> TokenUsage() {
  static constexpr CommandUsage kUsage[] = {kToken};
  return kUsage;
}

int TokenCommand(Client& client, bool json,
                 const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "token") return kNotMine;
  const std::string sub = args.size() > 1 ? args[1] : "";
  if (sub == "create" && args.size() == 2) {
    outpost::v1::CreateTokenRequest request;
    request.set_role(absl::GetFlag(FLAGS_role));
    request.set_scope(absl::GetFlag(FLAGS_scope));
    request.set_name(absl::GetFlag(FLAGS_name));
    request.set_checkpoint(absl::GetFlag(FLAGS_checkpoint));
    if (request.role().empty()) {
      return UsageError("token create needs --role", kToken);
    }
    absl::StatusOr<outpost::v1::CreateTokenResponse> r =
        client.CreateToken(request);
    if (!r.ok()) return Fail(r.status());
    if (json) {
      PrintJson(*r);
      return 0;
    }
    std::printf("令牌 token  %s\n", r->token().c_str());
    std::printf("编号 id     %s (role %s, scope %s)\n", r->info().id().c_str(),
                r->info().role().c_str(),
                r->info().scope().empty() ? "*" : r->info().scope().c_str());
    if (!r->info().checkpoint().empty()) {
      std::printf("卡口 gate   %s only\n", r->info().checkpoint().c_str());
    }
    std::printf("只显示一次 shown once: the node keeps only its hash\n");
    return 0;
  }
  if (sub == "list" && args.size() == 2) {
    return Show(client.ListTokens(outpost::v1::ListTokensRequest()), json);
  }
  if (sub == "revoke" && args.size() == 3) {
    outpost::v1::RevokeTokenRequest request;
    request.set_id(args[2]);
    absl::StatusOr<outpost::v1::TokenInfo> r = client.RevokeToken(request);
    if (!r.ok()) return Fail(r.status());
    if (json) {
      PrintJson(*r);
      return 0;
    }
    std::printf("已吊销 revoked %s (%s)\n", r->id().c_str(), r->role().c_str());
    return 0;
  }
  return UsageError(UnknownCommand(args), kToken);
}

}  // namespace outpost::client
