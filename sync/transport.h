// Transport: how a SyncSession's messages travel. The gRPC stream implements
// it in server/; InMemoryTransport connects two sessions in one process for
// tests, with hooks to cut the connection (losing what is in flight).
//
// Thread-safety: InMemoryTransport is internally synchronized.
#ifndef OUTPOST_SYNC_TRANSPORT_H_
#define OUTPOST_SYNC_TRANSPORT_H_

#include <deque>
#include <memory>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "outpost/v1/sync.pb.h"

namespace outpost::sync {

class Transport {
 public:
  virtual ~Transport() = default;
  // Queues a message for the peer. UNAVAILABLE once the connection is gone.
  virtual absl::Status Send(const outpost::v1::SyncMessage& message) = 0;
  // Waits up to `timeout` for a message: nullopt on timeout, UNAVAILABLE once
  // the connection is gone and nothing is left to read.
  virtual absl::StatusOr<std::optional<outpost::v1::SyncMessage>> Receive(
      absl::Duration timeout) = 0;
  // Closes both directions; pending messages are lost.
  virtual void Close() = 0;
};

class InMemoryTransport : public Transport {
 public:
  // Two connected ends.
  static std::pair<std::unique_ptr<InMemoryTransport>,
                   std::unique_ptr<InMemoryTransport>>
  CreatePair();

  absl::Status Send(const outpost::v1::SyncMessage& message) override;
  absl::StatusOr<std::optional<outpost::v1::SyncMessage>> Receive(
      absl::Duration timeout) override;
  void Close() override;

 private:
  struct Channel {
    absl::Mutex mu;
    std::deque<outpost::v1::SyncMessage> to_a ABSL_GUARDED_BY(mu);
    std::deque<outpost::v1::SyncMessage> to_b ABSL_GUARDED_BY(mu);
    bool closed ABSL_GUARDED_BY(mu) = false;
  };
  InMemoryTransport(std::shared_ptr<Channel> channel, bool is_a)
      : channel_(std::move(channel)), is_a_(is_a) {}
  std::shared_ptr<Channel> channel_;
  bool is_a_;
};

}  // namespace outpost::sync

#endif  // OUTPOST_SYNC_TRANSPORT_H_
