// SyncSession: one side of one replication session with one peer, as a
// message-driven state machine (no threads, no I/O): feed it what arrives,
// send what it returns. The gRPC reactor and the in-memory test harness both
// drive it, which keeps the protocol testable deterministically.
//
//   SyncSession session(store, options);
//   Send(session.Start());
//   for each message m received: Send(session.Handle(m));   // error ends it
//   after a local write:        Send(session.Poll());
//
// Protocol (see proto/outpost/v1/sync.proto): Hello both ways; then each side
// streams Batches of what the other lacks (in the other's scopes, in log
// order), at most `max_inflight` unacknowledged; the receiver applies each in
// one transaction and Acks with its vv. A broken session loses at most the
// unacked batches; a new session resumes from the vv in the new Hello.
//
// Thread-safety: not thread-safe; one driver at a time.
#ifndef OUTPOST_SYNC_SESSION_H_
#define OUTPOST_SYNC_SESSION_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "outpost/v1/sync.pb.h"
#include "sync/store.h"
#include "sync/transport.h"

namespace outpost::sync {

using outpost::v1::SyncMessage;

struct SessionOptions {
  std::string role = "community";
  int max_inflight = 4;
  int max_batch_changes = 1000;
  int64_t max_batch_bytes = 1 << 20;
  // Send batches packed (Batch.packed, zlib level 1) rather than as messages.
  bool pack_batches = true;
  // The peer's scopes, decided from its Hello and what the transport proved
  // (the server's mTLS certificate check); an error refuses the peer and ends
  // the session. Unset: the scopes the peer's Hello claims (in-process tests,
  // plaintext loopback development).
  std::function<absl::StatusOr<ScopeSet>(const outpost::v1::Hello&)>
      authorize_peer;
  // Whether the peer may send changes other nodes wrote (PeerInfo::relay):
  // it is this node's upstream, or its node id is one of `relays`.
  // Otherwise only its own replicas' changes are accepted from it.
  bool peer_is_upstream = false;
  std::set<std::string> relays;
};

// A packed batch may not inflate beyond this (4x the largest batch we send
// leaves room for other limits on the peer).
inline constexpr size_t kMaxInflatedBatch = 16 << 20;

struct SessionStats {
  int64_t changes_sent = 0;
  int64_t changes_received = 0;
  int64_t batches_sent = 0;
  int64_t batches_received = 0;
  int64_t quarantined = 0;
};

class SyncSession {
 public:
  SyncSession(Store* store, SessionOptions options)
      : store_(store), options_(std::move(options)) {}

  // The Hello to send first.
  std::vector<SyncMessage> Start();
  // Handles one message from the peer; returns what to send in reply. An
  // error ends the session: FAILED_PRECONDITION for incompatible versions,
  // INVALID_ARGUMENT for a protocol violation; the driver sends
  // ErrorMessage(status) and closes.
  absl::StatusOr<std::vector<SyncMessage>> Handle(const SyncMessage& message);
  // Batches that can go out now (new local changes, window space).
  absl::StatusOr<std::vector<SyncMessage>> Poll();

  // Both Hellos exchanged.
  bool established() const { return peer_hello_received_; }
  // We sent everything we had when last polled and the peer acked it all.
  bool outbound_idle() const {
    return established() && at_end_ && inflight_.empty();
  }
  // The peer told us it reached the end of its log (a watermark arrived).
  bool inbound_caught_up() const { return inbound_caught_up_; }
  const std::string& peer_id() const { return peer_.node_id; }
  const ScopeSet& peer_scopes() const { return peer_.scopes; }
  // The peer's vv from its last Ack (or Hello).
  const VersionVector& peer_vv() const { return peer_vv_; }
  const SessionStats& stats() const { return stats_; }
  // Changes we hold in the peer's scopes that it has not acknowledged: those
  // sent and not yet acked plus those not sent yet. Exact while at most
  // kExactBacklogRows log entries wait to be read for the peer (the usual
  // case once caught up, whether or not the peer could take our watermark);
  // an upper bound during a long catch-up.
  uint64_t Backlog() const;
  static constexpr int64_t kExactBacklogRows = 2000;

  static SyncMessage ErrorMessage(const absl::Status& status);

 private:
  absl::Status OnHello(const outpost::v1::Hello& hello);
  absl::Status OnBatch(const outpost::v1::Batch& batch,
                       std::vector<SyncMessage>* out);
  absl::Status FillWindow(std::vector<SyncMessage>* out);

  Store* const store_;
  const SessionOptions options_;
  bool peer_hello_received_ = false;
  PeerInfo peer_;
  VersionVector peer_vv_;  // what the peer has (Hello, then Acks)
  VersionVector sent_vv_;  // peer_vv_ plus what we sent since
  // Our vv as last told to the peer (Hello, then Acks): an Ack carries only
  // the entries that moved since, as a version vector grows by one entry
  // per replica run and the peer merges Acks pointwise anyway.
  VersionVector told_vv_;
  int64_t cursor_ = 0;  // our log position sent up to
  bool at_end_ = false;
  bool announced_ = false;  // sent at least one watermark this session
  // The change count of each batch sent and awaiting its Ack, in order.
  std::deque<uint64_t> inflight_;
  uint64_t next_batch_seq_ = 1;
  uint64_t expected_batch_seq_ = 1;
  bool inbound_caught_up_ = false;
  SessionStats stats_;
};

// Drives `session` over `transport` until both directions are idle and caught
// up, `timeout` passes, or the connection fails. For tests and tools; the
// server uses a reactor instead.
absl::Status RunSessionUntilIdle(SyncSession& session, Transport& transport,
                                 absl::Duration timeout);

}  // namespace outpost::sync

#endif  // OUTPOST_SYNC_SESSION_H_
