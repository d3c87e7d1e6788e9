// The server side of Community.PassStream: a checkpoint terminal's open
// stream of passages. Each request is decided at once and its writes join
// the store's next group commit; answers go back in request order, each once
// its passage is durable. At most kMaxInFlight passages per stream wait for
// their commit; beyond that the stream stops reading (flow control).
#ifndef OUTPOST_SERVER_PASS_STREAM_H_
#define OUTPOST_SERVER_PASS_STREAM_H_

#include <grpcpp/grpcpp.h>

#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "outpost/v1/community.pb.h"
#include "sync/store.h"

namespace outpost::server {

class PassStreamReactor
    : public grpc::ServerBidiReactor<outpost::v1::PassRequest,
                                     outpost::v1::PassResponse> {
 public:
  // Decides one passage: fills the response and the writes to commit.
  using Prepare = std::function<absl::Status(const outpost::v1::PassRequest&,
                                             outpost::v1::PassResponse*,
                                             std::vector<sync::WriteRequest>*)>;
  static constexpr size_t kMaxInFlight = 256;

  PassStreamReactor(sync::Store* store, Prepare prepare);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone() override;

 private:
  struct Slot {
    outpost::v1::PassResponse response;
    bool ready = false;
  };
  // Starts the next write or read, or finishes, as the state allows.
  void Pump() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Deletes this once gRPC is done with it and no commit will call back.
  void MaybeDelete() ABSL_UNLOCK_FUNCTION(mu_);

  sync::Store* const store_;
  const Prepare prepare_;
  outpost::v1::PassRequest request_;  // the read in progress

  absl::Mutex mu_;
  std::deque<std::shared_ptr<Slot>> slots_ ABSL_GUARDED_BY(mu_);
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;  // OnDone was called
  int commits_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_PASS_STREAM_H_
