// The Operator service (proto/outpost/v1/operator.proto): conflicts shown in
// words and resolved once for every node, quarantined changes, repair of a
// scope with the upstream, and the audit trail.
//
// Every state-changing call (resolve, retry, discard, repair) first asks
// RequireOperator (server/operator_authz.h), the one authorization decision,
// and records who/when/what/why in the replicated audit trail in the same
// transaction as the action: conflict resolutions in the engine's
// sys_resolutions (written with the superseding write), quarantine actions
// and repairs in sys_audit. Audit reads both; nothing is written twice.
//
// Repair (operator_repair.cc): the node pulls every change of the scope
// from the upstream's log (RepairPull, pages of <= 1000 changes / 1 MiB) and
// pushes its own (RepairPush); both sides apply them with Store::ApplyRepair,
// which applies what the version vector counts as seen but the log lacks.
// Applying is idempotent by dot, so a repair can be repeated safely. The
// repair's audit row is written once the exchange is done (it spans both nodes,
// so it cannot share their transactions).
//
// Thread-safety: gRPC callback threads only schedule work on the pool.
#ifndef OUTPOST_SERVER_OPERATOR_SERVICE_H_
#define OUTPOST_SERVER_OPERATOR_SERVICE_H_

#include <memory>
#include <string>

#include "outpost/v1/operator.grpc.pb.h"
#include "server/auth.h"
#include "server/id_cipher.h"
#include "server/peer_policy.h"
#include "server/upstream.h"
#include "server/work_pool.h"
#include "sync/store.h"

namespace outpost::server {

class OperatorService final : public outpost::v1::Operator::CallbackService {
 public:
  // `upstream` is null at central.
  OperatorService(sync::Store* store, Upstream* upstream)
      : store_(store), upstream_(upstream) {}
  // ID-card numbers at rest are encrypted (server/id_cipher.h): shown masked.
  void set_id_cipher(std::shared_ptr<const IdCipher> cipher) {
    cipher_ = std::move(cipher);
  }
  // Which peer may repair which scope (RepairPull/RepairPush). Call before
  // the server starts.
  void set_peer_policy(PeerPolicy policy) { policy_ = std::move(policy); }

  grpc::ServerUnaryReactor* ConflictShow(
      grpc::CallbackServerContext* context,
      const outpost::v1::ConflictShowRequest* request,
      outpost::v1::ConflictShowResponse* response) override;
  grpc::ServerUnaryReactor* ConflictResolve(
      grpc::CallbackServerContext* context,
      const outpost::v1::ConflictResolveRequest* request,
      outpost::v1::ConflictResolveResponse* response) override;
  grpc::ServerUnaryReactor* QuarantineList(
      grpc::CallbackServerContext* context,
      const outpost::v1::QuarantineListRequest* request,
      outpost::v1::QuarantineListResponse* response) override;
  grpc::ServerUnaryReactor* QuarantineShow(
      grpc::CallbackServerContext* context,
      const outpost::v1::QuarantineShowRequest* request,
      outpost::v1::QuarantineView* response) override;
  grpc::ServerUnaryReactor* QuarantineRetry(
      grpc::CallbackServerContext* context,
      const outpost::v1::QuarantineActionRequest* request,
      outpost::v1::QuarantineActionResponse* response) override;
  grpc::ServerUnaryReactor* QuarantineDiscard(
      grpc::CallbackServerContext* context,
      const outpost::v1::QuarantineActionRequest* request,
      outpost::v1::QuarantineActionResponse* response) override;
  grpc::ServerUnaryReactor* Repair(
      grpc::CallbackServerContext* context,
      const outpost::v1::RepairRequest* request,
      outpost::v1::RepairResponse* response) override;
  grpc::ServerUnaryReactor* RepairPull(
      grpc::CallbackServerContext* context,
      const outpost::v1::RepairPullRequest* request,
      outpost::v1::RepairPullResponse* response) override;
  grpc::ServerUnaryReactor* RepairPush(
      grpc::CallbackServerContext* context,
      const outpost::v1::RepairPushRequest* request,
      outpost::v1::RepairPushResponse* response) override;
  grpc::ServerUnaryReactor* Audit(
      grpc::CallbackServerContext* context,
      const outpost::v1::AuditRequest* request,
      outpost::v1::AuditResponse* response) override;

 private:
  absl::Status DoConflictShow(const outpost::v1::ConflictShowRequest& request,
                              outpost::v1::ConflictShowResponse* response);
  // The state-changing calls ask RequireOperator once they know the scope
  // the action touches (`context` outlives the call's work).
  absl::Status DoConflictResolve(
      const grpc::ServerContextBase& context,
      const outpost::v1::ConflictResolveRequest& request,
      outpost::v1::ConflictResolveResponse* response);
  absl::Status DoQuarantineList(outpost::v1::QuarantineListResponse* response);
  absl::Status DoQuarantineShow(int64_t id, outpost::v1::QuarantineView* out);
  absl::Status DoQuarantineAction(
      const grpc::ServerContextBase& context, bool retry,
      const outpost::v1::QuarantineActionRequest& request);
  absl::Status DoRepair(const grpc::ServerContextBase& context,
                        const outpost::v1::RepairRequest& request,
                        outpost::v1::RepairResponse* response);
  // The peer a repair call comes from, under its certificate's node id
  // and --peer_scopes, never the request's; PERMISSION_DENIED unless it
  // may write `scope`.
  absl::StatusOr<sync::PeerInfo> RepairPeer(
      const std::optional<Principal>& caller, const std::string& claimed,
      const std::string& scope) const;
  absl::Status DoRepairPull(const std::optional<Principal>& caller,
                            const outpost::v1::RepairPullRequest& request,
                            outpost::v1::RepairPullResponse* response);
  absl::Status DoRepairPush(const std::optional<Principal>& caller,
                            const outpost::v1::RepairPushRequest& request,
                            outpost::v1::RepairPushResponse* response);
  absl::Status DoAudit(const outpost::v1::AuditRequest& request,
                       outpost::v1::AuditResponse* response);

  sync::Store* const store_;
  Upstream* const upstream_;
  WorkPool pool_{4};
  std::shared_ptr<const IdCipher> cipher_;
  PeerPolicy policy_;
};

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_OPERATOR_SERVICE_H_
