// Replica identity: who wrote a change, and who may send it.
//
// A node id names an office; a *replica* is one run of the node on one
// database file. Its id, the origin of every change it writes, is
//
//   <node id>/<incarnation>     e.g. "yatai/k3f9a2c1bq"
//
// where the incarnation is 10 random base-32 characters (50 bits) minted
// each time a Store opens. Node ids cannot contain '/', so the node part is
// everything before the first '/'; an origin without '/' is a replica of a
// version before incarnations (still valid, never written again).
//
// Why every open (the "kv679" bug class, shared/DESIGN.md): a database file
// can be deleted and recreated, restored from an older copy or copied to a
// second PC while the line is down. A replica that reused its old origin
// would write seqs its peers have already seen with other content, and they
// would drop the new changes as duplicates, silently. Nothing on the PC can
// prove the file holds its own latest change (an older copy looks exactly
// like a current one), so a fresh origin is minted whenever the file is
// opened: a change's dot (origin, seq) is then written by exactly one process
// on exactly one file, whatever happened to the file before. The cost is one
// version-vector entry per run that writes anything.
//
// Authority: a change is accepted from a peer only when its origin's node
// part is the peer's own node id (the id its certificate proves), or the
// peer is allowed to relay others' changes (a community's upstream; relays
// configured at central). See PeerInfo::relay.
#ifndef OUTPOST_SYNC_REPLICA_H_
#define OUTPOST_SYNC_REPLICA_H_

#include <string>

#include "absl/strings/string_view.h"

namespace outpost::sync {

// The node part of an origin ("yatai/k3f9a2c1bq" -> "yatai").
inline absl::string_view NodeOfOrigin(absl::string_view origin) {
  const size_t slash = origin.find('/');
  return slash == absl::string_view::npos ? origin : origin.substr(0, slash);
}

// A fresh replica id for `node_id` (random incarnation).
std::string MintReplicaId(absl::string_view node_id);

}  // namespace outpost::sync

#endif  // OUTPOST_SYNC_REPLICA_H_
