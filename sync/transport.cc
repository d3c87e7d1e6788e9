#include "sync/transport.h"

namespace outpost::sync {

std::pair<std::unique_ptr<InMemoryTransport>,
          std::unique_ptr<InMemoryTransport>>
InMemoryTransport::CreatePair() {
  auto channel = std::make_shared<Channel>();
  return {
      std::unique_ptr<InMemoryTransport>(new InMemoryTransport(channel, true)),
      std::unique_ptr<InMemoryTransport>(
          new InMemoryTransport(channel, false))};
}

absl::Status InMemoryTransport::Send(const outpost::v1::SyncMessage& message) {
  absl::MutexLock lock(&channel_->mu);
  if (channel_->closed) return absl::UnavailableError("connection closed");
  (is_a_ ? channel_->to_b : channel_->to_a).push_back(message);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<outpost::v1::SyncMessage>>
InMemoryTransport::Receive(absl::Duration timeout) {
  absl::MutexLock lock(&channel_->mu);
  auto& inbox = is_a_ ? channel_->to_a : channel_->to_b;
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(channel_->mu) {
    return !inbox.empty() || channel_->closed;
  };
  channel_->mu.AwaitWithTimeout(absl::Condition(&ready), timeout);
  if (!inbox.empty()) {
    outpost::v1::SyncMessage message = std::move(inbox.front());
    inbox.pop_front();
    return std::optional<outpost::v1::SyncMessage>(std::move(message));
  }
  if (channel_->closed) return absl::UnavailableError("connection closed");
  return std::optional<outpost::v1::SyncMessage>();
}

void InMemoryTransport::Close() {
  absl::MutexLock lock(&channel_->mu);
  channel_->closed = true;
  channel_->to_a.clear();
  channel_->to_b.clear();
}

}  // namespace outpost::sync
