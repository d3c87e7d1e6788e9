// The Replication service (gRPC callback API): each Sync call gets a reactor
// that feeds a SessionDriver. Reactor callbacks never block: they queue
// messages; the driver thread does the SQLite work.
#ifndef OUTPOST_SERVER_REPLICATION_SERVICE_H_
#define OUTPOST_SERVER_REPLICATION_SERVICE_H_

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "outpost/v1/node.grpc.pb.h"
#include "server/peers.h"
#include "sync/session.h"
#include "sync/store.h"

namespace outpost::server {

class ReplicationService final
    : public outpost::v1::Replication::CallbackService {
 public:
  ReplicationService(sync::Store* store, std::string role, PeerRegistry* peers)
      : store_(store), role_(std::move(role)), peers_(peers) {}

  grpc::ServerBidiReactor<outpost::v1::SyncMessage, outpost::v1::SyncMessage>*
  Sync(grpc::CallbackServerContext* context) override;

  // Who peers are (server/auth.h). With tls, a peer's node id comes from its
  // certificate and must equal the id in its Hello; its scopes come from
  // `scopes` (node id -> scopes, e.g. from --peer_scopes) or default to its
  // node id. Without tls (plaintext loopback), the Hello is trusted and the
  // node logs it. Call before the server starts.
  struct PeerPolicy {
    bool tls = false;
    std::map<std::string, std::vector<std::string>> scopes;
  };
  void set_peer_policy(PeerPolicy policy) { policy_ = std::move(policy); }

  // Sessions currently open.
  int active() const { return active_.load(); }

 private:
  sync::Store* const store_;
  const std::string role_;
  PeerRegistry* const peers_;
  PeerPolicy policy_;
  std::atomic<int> active_{0};
  std::atomic<int64_t> next_id_{1};
};

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_REPLICATION_SERVICE_H_
