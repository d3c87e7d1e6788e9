// OperatorService's repair calls (see operator_service.h): Repair at a
// community node, RepairPull / RepairPush served by its upstream.
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "outpost/v1/node.grpc.pb.h"
#include "server/audit.h"
#include "server/grpc_status.h"
#include "server/offload.h"
#include "server/operator_authz.h"
#include "server/operator_service.h"
#include "sync/replica.h"
#include "sync/status_macros.h"

namespace outpost::server {

// ---- Repair ----

grpc::ServerUnaryReactor* OperatorService::Repair(
    grpc::CallbackServerContext* context,
    const outpost::v1::RepairRequest* request,
    outpost::v1::RepairResponse* response) {
  return Offload(pool_, context, [this, context, request, response] {
    return DoRepair(*context, *request, response);
  });
}

absl::Status OperatorService::DoRepair(
    const grpc::ServerContextBase& context,
    const outpost::v1::RepairRequest& request,
    outpost::v1::RepairResponse* response) {
  const std::string& scope = request.scope();
  if (scope.empty() || scope == "*") {
    return absl::InvalidArgumentError("scope: one scope is required");
  }
  if (!store_->scopes().Contains(scope)) {
    return absl::InvalidArgumentError(
        absl::StrCat("scope: this node does not hold ", scope, " (it holds ",
                     store_->scopes().ToString(), ")"));
  }
  ASSIGN_OR_RETURN(OperatorIdentity who,
                   RequireOperator(context, request.by(), scope));
  const std::string& author = who.name;
  if (upstream_ == nullptr) {
    return absl::FailedPreconditionError(
        "this node has no upstream to repair with (run repair on the "
        "community node)");
  }
  response->set_upstream(upstream_->address());
  auto stub = outpost::v1::Operator::NewStub(upstream_->channel());
  auto unreachable = [&](const grpc::Status& status) {
    return absl::UnavailableError(
        absl::StrCat("upstream ", upstream_->address(),
                     " unreachable: ", status.error_message()));
  };
  auto deadline = [] {
    return std::chrono::system_clock::now() + std::chrono::seconds(60);
  };
  // 1. Everything the upstream holds in the scope, applied here.
  std::string upstream_id;
  int64_t after = 0;
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(deadline());
    outpost::v1::RepairPullRequest pull;
    pull.set_scope(scope);
    pull.set_after_lsn(after);
    outpost::v1::RepairPullResponse page;
    grpc::Status status = stub->RepairPull(&context, pull, &page);
    if (!status.ok()) {
      if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
          status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
        return unreachable(status);
      }
      return FromGrpcStatus(status);
    }
    upstream_id = page.node_id();
    std::vector<sync::Change> changes(page.changes().changes().begin(),
                                      page.changes().changes().end());
    response->set_received(response->received() + changes.size());
    // Our upstream relays every node's changes of the scope.
    sync::PeerInfo peer{upstream_id, sync::ScopeSet::Of({scope}),
                        /*relay=*/true};
    ASSIGN_OR_RETURN(sync::ApplyResult applied,
                     store_->ApplyRepair(peer, changes));
    response->set_applied_here(response->applied_here() + applied.applied);
    if (page.done()) break;
    after = page.next_lsn();
  }
  // 2. Everything we hold in the scope, applied there.
  sync::ExtractRequest extract;
  extract.peer_scopes = sync::ScopeSet::Of({scope});
  while (true) {
    ASSIGN_OR_RETURN(sync::ExtractResult page, store_->Extract(extract));
    if (page.count > 0) {
      grpc::ClientContext context;
      context.set_deadline(deadline());
      outpost::v1::RepairPushRequest push;
      push.set_node_id(store_->node_id());
      push.set_scope(scope);
      // Only what this node wrote: the upstream takes nothing else from us
      // (origin authority), and it relayed everything else to us itself.
      for (sync::Change& c : page.changes) {
        if (sync::NodeOfOrigin(c.dot().origin()) != store_->node_id()) continue;
        *push.mutable_changes()->add_changes() = std::move(c);
      }
      outpost::v1::RepairPushResponse pushed;
      grpc::Status status = stub->RepairPush(&context, push, &pushed);
      if (!status.ok()) return unreachable(status);
      response->set_sent(response->sent() + push.changes().changes_size());
      response->set_applied_upstream(response->applied_upstream() +
                                     pushed.applied());
    }
    if (page.watermark.has_value() || page.count == 0) break;
    extract.after_lsn = page.next_lsn;
  }
  // 3. Compare the scope's digests.
  {
    auto admin = outpost::v1::Admin::NewStub(upstream_->channel());
    grpc::ClientContext context;
    context.set_deadline(deadline());
    outpost::v1::DigestsResponse theirs;
    grpc::Status status =
        admin->Digests(&context, outpost::v1::DigestsRequest(), &theirs);
    if (!status.ok()) return unreachable(status);
    std::map<std::string, std::pair<std::string, int64_t>> up;
    for (const auto& d : theirs.digests()) {
      if (d.scope() == scope) up[d.table()] = {d.digest(), d.rows()};
    }
    ASSIGN_OR_RETURN(std::vector<sync::DigestEntry> ours, store_->Digests());
    std::map<std::string, std::pair<std::string, int64_t>> here;
    for (const sync::DigestEntry& d : ours) {
      if (d.scope == scope) here[d.table] = {d.digest.Hex(), d.rows};
    }
    response->set_equal(up == here);
  }
  const std::string detail = absl::StrCat(
      "received ", response->received(), " (applied ", response->applied_here(),
      "), sent ", response->sent(), " (applied ", response->applied_upstream(),
      " at ", upstream_id, "), ",
      response->equal() ? "digests equal" : "digests still differ");
  return store_
      ->Write(
          AuditWrite(*store_, {scope, "repair", absl::StrCat("scope ", scope),
                               detail, request.reason(), author}))
      .status();
}

grpc::ServerUnaryReactor* OperatorService::RepairPull(
    grpc::CallbackServerContext* context,
    const outpost::v1::RepairPullRequest* request,
    outpost::v1::RepairPullResponse* response) {
  return Offload(pool_, context,
                 [this, caller = CallPrincipal(context), request, response] {
                   return DoRepairPull(caller, *request, response);
                 });
}

absl::StatusOr<sync::PeerInfo> OperatorService::RepairPeer(
    const std::optional<Principal>& caller, const std::string& claimed,
    const std::string& scope) const {
  if (scope.empty() || scope == "*") {
    return absl::InvalidArgumentError("scope: one scope is required");
  }
  if (!caller.has_value()) {
    return absl::PermissionDeniedError("repair: the caller is unknown");
  }
  if (caller->cert_node_id.empty() && !policy_.tls) {
    // Plaintext loopback development: the peer's word, as for a Hello.
    return sync::PeerInfo{claimed.empty() ? caller->name : claimed,
                          sync::ScopeSet::Of({scope})};
  }
  ASSIGN_OR_RETURN(sync::PeerInfo peer,
                   policy_.Peer(caller->cert_node_id, claimed));
  if (!peer.scopes.Contains(scope)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "scope: node ", peer.node_id, " may not repair scope ", scope,
        " (it may write ", peer.scopes.ToString(), "; see --peer_scopes)"));
  }
  return peer;
}

absl::Status OperatorService::DoRepairPull(
    const std::optional<Principal>& caller,
    const outpost::v1::RepairPullRequest& request,
    outpost::v1::RepairPullResponse* response) {
  // An admin token may read any scope; a node only what it may write.
  if (!caller.has_value() || caller->role != Role::kAdmin) {
    RETURN_IF_ERROR(RepairPeer(caller, "", request.scope()).status());
  } else if (request.scope().empty() || request.scope() == "*") {
    return absl::InvalidArgumentError("scope: one scope is required");
  }
  sync::ExtractRequest extract;
  extract.peer_scopes = sync::ScopeSet::Of({request.scope()});
  extract.after_lsn = request.after_lsn();
  ASSIGN_OR_RETURN(sync::ExtractResult page, store_->Extract(extract));
  for (sync::Change& c : page.changes) {
    *response->mutable_changes()->add_changes() = std::move(c);
  }
  response->set_next_lsn(page.next_lsn);
  response->set_done(page.watermark.has_value() || page.count == 0);
  response->set_node_id(store_->node_id());
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* OperatorService::RepairPush(
    grpc::CallbackServerContext* context,
    const outpost::v1::RepairPushRequest* request,
    outpost::v1::RepairPushResponse* response) {
  return Offload(pool_, context,
                 [this, caller = CallPrincipal(context), request, response] {
                   return DoRepairPush(caller, *request, response);
                 });
}

absl::Status OperatorService::DoRepairPush(
    const std::optional<Principal>& caller,
    const outpost::v1::RepairPushRequest& request,
    outpost::v1::RepairPushResponse* response) {
  if (request.node_id().empty()) {
    return absl::InvalidArgumentError("node_id: the pushing node is required");
  }
  // The same trust as a Sync Hello: the certificate's node, the scopes it
  // may write, and only its own changes unless it relays.
  ASSIGN_OR_RETURN(sync::PeerInfo peer,
                   RepairPeer(caller, request.node_id(), request.scope()));
  peer.scopes = sync::ScopeSet::Of({request.scope()});
  std::vector<sync::Change> changes(request.changes().changes().begin(),
                                    request.changes().changes().end());
  ASSIGN_OR_RETURN(sync::ApplyResult applied,
                   store_->ApplyRepair(peer, changes));
  response->set_applied(applied.applied);
  response->set_duplicates(applied.duplicates);
  response->set_quarantined(applied.quarantined);
  return absl::OkStatus();
}

}  // namespace outpost::server
