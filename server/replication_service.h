// The Replication service (gRPC callback API): each Sync call gets a reactor
// that feeds a SessionDriver. Reactor callbacks never block: they queue
// messages; the driver thread does the SQLite work.
#ifndef OUTPOST_SERVER_REPLICATION_SERVICE_H_
#define OUTPOST_SERVER_REPLICATION_SERVICE_H_

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "outpost/v1/node.grpc.pb.h"
#include "server/peer_policy.h"
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

  // Who peers are (server/peer_policy.h): a peer's Hello must name the node
  // its certificate names. Call before the server starts.
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
