// Node: one running outpostd — the store, the gRPC server with its services,
// and (community role) the upstream link.
//
//   NodeOptions options = ...;             // from flags
//   ASSIGN_OR_RETURN(auto node, Node::Start(options));
//   node->Wait();                          // until Shutdown() from a signal
//
// Thread-safety: Shutdown may be called from any thread, once.
#ifndef OUTPOST_SERVER_NODE_H_
#define OUTPOST_SERVER_NODE_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/admin_service.h"
#include "server/auth.h"
#include "server/community_service.h"
#include "server/consolidation_service.h"
#include "server/operator_service.h"
#include "server/peers.h"
#include "server/replication_service.h"
#include "server/token_service.h"
#include "server/upstream.h"
#include "sync/store.h"

namespace outpost::server {

struct NodeOptions {
  std::string node_id;
  std::string role;  // "central" or "community"
  std::string db_path;
  std::string listen = "127.0.0.1:0";
  std::string port_file;
  std::string upstream;
  std::vector<std::string> scopes;  // empty: node id (community), all (central)
  bool synchronous_full = true;
  // The sub-district's key for resident ids (same on every node).
  std::string id_key;
  // Daily reports are due at this HH:MM on the next day (consolidation).
  std::string report_deadline = "10:00";
  // Security (server/auth.h, README "Security"). TLS: all three PEM files or
  // none; without them the node serves plaintext on loopback only.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  // The CA's revocation list (tools/pki.sh revoke): peers whose certificate
  // it lists are refused; reread when the file changes.
  std::string tls_crl;
  // Where the first admin token goes (empty: <db>.admin.token).
  std::string admin_token_file;
  // Central: peer node id -> the scopes it may write (default: its node id).
  std::map<std::string, std::vector<std::string>> peer_scopes;
  // Central: peers that may relay other nodes' changes (sync/replica.h).
  std::vector<std::string> relays;
  // Replicated changes dated further ahead than this are held.
  absl::Duration max_clock_skew = absl::Minutes(5);
  int max_calls_per_client = 64;
  // Server keepalive: a ping after this many idle seconds on a connection;
  // no answer within min(keepalive_s, 20) s closes it and ends its calls.
  int keepalive_s = 30;
  // The data key for ID-card numbers at rest (64 hex chars). Required unless
  // the node listens on loopback (development: a fixed key, with a warning).
  std::string data_key_file;
};

// Checks flag values; INVALID_ARGUMENT naming the flag.
absl::Status ValidateNodeOptions(const NodeOptions& options);

class Node {
 public:
  static absl::StatusOr<std::unique_ptr<Node>> Start(
      const NodeOptions& options);
  ~Node();

  // Stops accepting, ends sessions, lets in-flight commits finish.
  void Shutdown();
  void Wait();
  int port() const { return port_; }
  sync::Store* store() { return store_.get(); }

 private:
  Node() = default;
  NodeOptions options_;
  std::unique_ptr<sync::Store> store_;
  PeerRegistry peers_;
  std::unique_ptr<Upstream> upstream_;
  std::unique_ptr<ReplicationService> replication_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<CommunityService> community_;
  std::unique_ptr<OperatorService> operator_;
  std::unique_ptr<ConsolidationService> consolidation_;
  std::unique_ptr<TokenStore> tokens_;
  std::unique_ptr<RevocationList> revocations_;  // before authorizer_
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<TokenService> token_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_NODE_H_
