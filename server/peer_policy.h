// PeerPolicy: what a peer node may do here, decided from what its
// certificate proves, never from what its messages claim (shared/DESIGN.md,
// guarantee 8). Used by every path that takes changes from a peer: the
// Replication stream and the repair calls.
//
// With tls, a peer's node id is its certificate's common name; it may write
// the scopes --peer_scopes gives it (default: its own node id), and send
// other nodes' changes only if --relays names it. Without tls (plaintext,
// loopback development only) the peer's claimed id is trusted and logged.
//
// Thread-safety: immutable once the server starts.
#ifndef OUTPOST_SERVER_PEER_POLICY_H_
#define OUTPOST_SERVER_PEER_POLICY_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "sync/store.h"

namespace outpost::server {

struct PeerPolicy {
  bool tls = false;
  // Node id -> the scopes it may write (--peer_scopes).
  std::map<std::string, std::vector<std::string>> scopes;
  // Peers that may relay other nodes' changes (--relays).
  std::set<std::string> relays;

  // The peer as this node trusts it. `cert_node_id` is the verified
  // certificate's node id (empty without one); `claimed` what the peer says
  // (a Hello's or request's node id). UNAUTHENTICATED without a certificate
  // on a TLS node; PERMISSION_DENIED when the claim disagrees with it.
  absl::StatusOr<sync::PeerInfo> Peer(const std::string& cert_node_id,
                                      const std::string& claimed) const {
    std::string node = cert_node_id;
    if (node.empty()) {
      if (tls) {
        return absl::UnauthenticatedError(
            "a peer node needs a certificate from --tls_ca on this node");
      }
      node = claimed;  // plaintext loopback development
    } else if (!claimed.empty() && claimed != node) {
      return absl::PermissionDeniedError(
          absl::StrCat("the peer's certificate names node \"", node,
                       "\" but it claims node \"", claimed, "\""));
    }
    if (node.empty()) {
      return absl::InvalidArgumentError("node_id: the peer's node id is empty");
    }
    auto it = scopes.find(node);
    return sync::PeerInfo{node,
                          it == scopes.end() ? sync::ScopeSet::Of({node})
                                             : sync::ScopeSet::Of(it->second),
                          relays.count(node) > 0};
  }
};

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_PEER_POLICY_H_
