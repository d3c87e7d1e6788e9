// SessionDriver: runs one SyncSession on its own thread, fed by whatever
// transport carries the messages (the server's callback reactor, the upstream
// client stream). The transport pushes received messages with Deliver() and
// hands the driver a `send` function; the driver answers them, sends new local
// changes within ~20 ms of their commit, and stops on the first error.
//
// Flow control: at most kMaxQueued received messages wait here; Deliver
// returns false when full and the transport must stop reading until
// `on_room` is called.
//
// Thread-safety: Deliver/Close from any thread; callbacks run on the driver
// thread.
#ifndef OUTPOST_SERVER_SESSION_DRIVER_H_
#define OUTPOST_SERVER_SESSION_DRIVER_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/peers.h"
#include "sync/session.h"

namespace outpost::server {

class SessionDriver {
 public:
  static constexpr size_t kMaxQueued = 8;

  struct Callbacks {
    // Sends one message; returns false if the transport is gone.
    std::function<bool(const sync::SyncMessage&)> send;
    // Called once room is available after Deliver returned false.
    std::function<void()> on_room;
    // Called (on the driver thread) after a batch was applied or everything
    // sent was acknowledged: the last successful sync. May be empty.
    std::function<void(int64_t now_ms)> on_progress;
    // Called once when the session ends (status OK when closed normally).
    std::function<void(const absl::Status&)> on_end;
  };

  SessionDriver(sync::Store* store, sync::SessionOptions options,
                PeerRegistry* peers, std::string key, Callbacks callbacks);
  ~SessionDriver();  // Close()s and joins

  void Start();
  // Queues a received message. False when the queue is full (stop reading).
  bool Deliver(sync::SyncMessage message);
  // The transport ended (peer closed or failed); the driver stops.
  void Close(const absl::Status& why);

 private:
  void Run();
  void Publish(int64_t connected_ms);

  sync::Store* const store_;
  sync::SyncSession session_;  // driver thread only
  PeerRegistry* const peers_;
  const std::string key_;
  Callbacks callbacks_;

  mutable absl::Mutex mu_;
  std::deque<sync::SyncMessage> inbox_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool wants_room_ ABSL_GUARDED_BY(mu_) = false;
  bool log_grew_ ABSL_GUARDED_BY(mu_) = false;  // set by the store's listener
  int listener_id_ = 0;
  absl::Status close_status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_SESSION_DRIVER_H_
