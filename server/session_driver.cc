#include "server/session_driver.h"

#include "absl/time/clock.h"
#include "sync/logging.h"

namespace outpost::server {

SessionDriver::SessionDriver(sync::Store* store, sync::SessionOptions options,
                             PeerRegistry* peers, std::string key,
                             Callbacks callbacks)
    : store_(store),
      session_(store, std::move(options)),
      peers_(peers),
      key_(std::move(key)),
      callbacks_(std::move(callbacks)) {}

SessionDriver::~SessionDriver() {
  Close(absl::CancelledError("session stopped"));
  if (thread_.joinable()) thread_.join();
  if (listener_id_ != 0) store_->RemoveLogListener(listener_id_);
  peers_->Remove(key_);
}

void SessionDriver::Start() {
  // New local changes wake the driver at once (no polling delay).
  listener_id_ = store_->AddLogListener([this] {
    absl::MutexLock lock(&mu_);
    log_grew_ = true;
  });
  thread_ = std::thread([this] { Run(); });
}

bool SessionDriver::Deliver(sync::SyncMessage message) {
  absl::MutexLock lock(&mu_);
  inbox_.push_back(std::move(message));
  if (inbox_.size() >= kMaxQueued) {
    wants_room_ = true;
    return false;
  }
  return true;
}

void SessionDriver::Close(const absl::Status& why) {
  absl::MutexLock lock(&mu_);
  if (!closed_) {
    closed_ = true;
    close_status_ = why;
  }
}

void SessionDriver::Publish(int64_t connected_ms) {
  outpost::v1::PeerStatus status;
  status.set_node_id(session_.peer_id());
  status.set_connected_since_ms(connected_ms);
  status.set_changes_sent(session_.stats().changes_sent);
  status.set_changes_received(session_.stats().changes_received);
  status.set_backlog(session_.Backlog());
  peers_->Update(key_, status);
}

void SessionDriver::Run() {
  const int64_t connected_ms = absl::ToUnixMillis(absl::Now());
  absl::Status end;
  auto send_all = [&](const std::vector<sync::SyncMessage>& out) {
    for (const sync::SyncMessage& m : out) {
      if (!callbacks_.send(m)) return false;
    }
    return true;
  };
  if (!send_all(session_.Start())) end = absl::UnavailableError("send failed");
  int64_t last_publish = 0;
  while (end.ok()) {
    std::optional<sync::SyncMessage> message;
    bool notify_room = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return !inbox_.empty() || closed_ || log_grew_;
      };
      // The timeout is a safety net; wake-ups come from the conditions.
      mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(200));
      log_grew_ = false;
      if (!inbox_.empty()) {
        message = std::move(inbox_.front());
        inbox_.pop_front();
        if (wants_room_ && inbox_.size() < kMaxQueued / 2) {
          wants_room_ = false;
          notify_room = true;
        }
      } else if (closed_) {
        end = close_status_;
        break;
      }
    }
    if (notify_room && callbacks_.on_room) callbacks_.on_room();
    // Changes held for their timestamps, once due (cheap when none is).
    if (absl::StatusOr<int> held = store_->RetryDueHeld(); !held.ok()) {
      end = held.status();
      break;
    }
    absl::StatusOr<std::vector<sync::SyncMessage>> out =
        message.has_value() ? session_.Handle(*message) : session_.Poll();
    if (!out.ok()) {
      end = out.status();
      break;
    }
    if (message.has_value() &&
        (message->has_batch() ||
         (message->has_ack() && session_.outbound_idle()))) {
      if (callbacks_.on_progress) {
        callbacks_.on_progress(absl::ToUnixMillis(absl::Now()));
      }
    }
    if (!send_all(*out)) {
      end = absl::UnavailableError("connection lost while sending");
      break;
    }
    const int64_t now = absl::ToUnixMillis(absl::Now());
    if (session_.established() && now - last_publish > 250) {
      Publish(connected_ms);
      last_publish = now;
    }
  }
  if (!end.ok() && !absl::IsCancelled(end)) {
    OUTPOST_LOG(INFO) << "session with "
                      << (session_.peer_id().empty() ? key_
                                                     : session_.peer_id())
                      << " ended: " << end;
  }
  peers_->Remove(key_);
  if (callbacks_.on_end) callbacks_.on_end(end);
}

}  // namespace outpost::server
