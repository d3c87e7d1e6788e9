// Upstream: a community node's link to its upstream (central) node. One
// thread connects, runs a sync session over the Replication stream, stays
// live, and after any failure reconnects with exponential backoff and jitter
// (200 ms doubling to a 30 s cap), resuming from version vectors.
//
// Thread-safety: Start/Stop from the owner; state() from any thread.
#ifndef OUTPOST_SERVER_UPSTREAM_H_
#define OUTPOST_SERVER_UPSTREAM_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "outpost/v1/node.grpc.pb.h"
#include "server/peers.h"
#include "sync/store.h"

namespace outpost::server {

class Upstream {
 public:
  struct State {
    std::string state = "connecting";  // connecting | connected | backoff
    std::string last_error;
    int64_t last_sync_ms = 0;
    int64_t connects = 0;
  };

  // `credentials`: mTLS (server/tls.h) or, when null, plaintext.
  Upstream(sync::Store* store, std::string address, PeerRegistry* peers,
           absl::Duration max_backoff = absl::Seconds(30),
           std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);
  ~Upstream();
  void Start();
  void Stop();
  State state() const;
  const std::string& address() const { return address_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  void Run();
  // One connection's life; returns why it ended.
  absl::Status RunOnce();

  sync::Store* const store_;
  const std::string address_;
  PeerRegistry* const peers_;
  const absl::Duration max_backoff_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<outpost::v1::Replication::Stub> stub_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  State state_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_UPSTREAM_H_
