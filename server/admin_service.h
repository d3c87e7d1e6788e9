// The Admin service: node status, digests, verification against upstream,
// and generic row access (Put/Get/Conflicts) through the engine.
#ifndef OUTPOST_SERVER_ADMIN_SERVICE_H_
#define OUTPOST_SERVER_ADMIN_SERVICE_H_

#include <functional>
#include <string>

#include "outpost/v1/node.grpc.pb.h"
#include "server/peers.h"
#include "server/upstream.h"
#include "server/work_pool.h"
#include "sync/store.h"

namespace outpost::server {

class AdminService final : public outpost::v1::Admin::CallbackService {
 public:
  AdminService(sync::Store* store, std::string role, PeerRegistry* peers,
               Upstream* upstream)
      : store_(store),
        role_(std::move(role)),
        peers_(peers),
        upstream_(upstream) {}

  grpc::ServerUnaryReactor* Status(
      grpc::CallbackServerContext* context,
      const outpost::v1::StatusRequest* request,
      outpost::v1::StatusResponse* response) override;
  grpc::ServerUnaryReactor* Digests(
      grpc::CallbackServerContext* context,
      const outpost::v1::DigestsRequest* request,
      outpost::v1::DigestsResponse* response) override;
  grpc::ServerUnaryReactor* Verify(
      grpc::CallbackServerContext* context,
      const outpost::v1::VerifyRequest* request,
      outpost::v1::VerifyResponse* response) override;
  grpc::ServerUnaryReactor* Put(grpc::CallbackServerContext* context,
                                const outpost::v1::PutRequest* request,
                                outpost::v1::PutResponse* response) override;
  grpc::ServerUnaryReactor* PutMany(
      grpc::CallbackServerContext* context,
      const outpost::v1::PutManyRequest* request,
      outpost::v1::PutManyResponse* response) override;
  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* context,
                                const outpost::v1::GetRequest* request,
                                outpost::v1::GetResponse* response) override;
  grpc::ServerUnaryReactor* Conflicts(
      grpc::CallbackServerContext* context,
      const outpost::v1::ConflictsRequest* request,
      outpost::v1::ConflictsResponse* response) override;

 private:
  absl::Status DoStatus(const outpost::v1::StatusRequest& request,
                        outpost::v1::StatusResponse* response);
  absl::Status DoDigests(const outpost::v1::DigestsRequest& request,
                         outpost::v1::DigestsResponse* response);
  absl::Status DoVerify(const outpost::v1::VerifyRequest& request,
                        outpost::v1::VerifyResponse* response);
  absl::Status DoPut(const outpost::v1::PutRequest& request,
                     outpost::v1::PutResponse* response);
  absl::Status DoPutMany(const outpost::v1::PutManyRequest& request,
                         outpost::v1::PutManyResponse* response);
  absl::Status DoGet(const outpost::v1::GetRequest& request,
                     outpost::v1::GetResponse* response);
  absl::Status DoConflicts(const outpost::v1::ConflictsRequest& request,
                           outpost::v1::ConflictsResponse* response);

  sync::Store* const store_;
  const std::string role_;
  PeerRegistry* const peers_;
  Upstream* const upstream_;  // null at central
  // Blocking work: group commit batches concurrent writes across these.
  WorkPool pool_{8};
};

// Fills `out` with this store's digests (shared by Digests and Verify).
void FillDigests(sync::Store* store, outpost::v1::DigestsResponse* out);

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_ADMIN_SERVICE_H_
