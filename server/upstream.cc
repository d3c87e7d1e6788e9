#include "server/upstream.h"

#include <atomic>
#include <random>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "server/grpc_status.h"
#include "server/session_driver.h"
#include "sync/logging.h"

namespace outpost::server {

using outpost::v1::SyncMessage;

Upstream::Upstream(sync::Store* store, std::string address, PeerRegistry* peers,
                   absl::Duration max_backoff,
                   std::shared_ptr<grpc::ChannelCredentials> credentials)
    : store_(store),
      address_(std::move(address)),
      peers_(peers),
      max_backoff_(max_backoff) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(8 << 20);
  // Notice a dead link within seconds even when idle.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  channel_ = grpc::CreateCustomChannel(
      address_, credentials ? credentials : grpc::InsecureChannelCredentials(),
      args);
  stub_ = outpost::v1::Replication::NewStub(channel_);
}

Upstream::~Upstream() { Stop(); }

void Upstream::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Upstream::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

Upstream::State Upstream::state() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

void Upstream::Run() {
  std::mt19937_64 rng(std::random_device{}());
  absl::Duration backoff = absl::Milliseconds(200);
  while (true) {
    const absl::Time started = absl::Now();
    absl::Status status = RunOnce();
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    // A connection that lived a while resets the backoff.
    if (absl::Now() - started > absl::Seconds(10))
      backoff = absl::Milliseconds(200);
    state_.state = "backoff";
    state_.last_error = std::string(status.message());
    // Full jitter in [backoff/2, backoff].
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    const absl::Duration wait = backoff * jitter(rng);
    OUTPOST_LOG(INFO) << "upstream " << address_ << ": " << status
                      << "; retrying in " << wait;
    backoff = std::min(backoff * 2, max_backoff_);
    auto stop = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stop), wait)) return;
    state_.state = "connecting";
  }
}

absl::Status Upstream::RunOnce() {
  grpc::ClientContext context;
  // Batches are packed (zlib) by the session; see Batch.packed.
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("stopping");
    context_ = &context;
  }
  auto stream = stub_->Sync(&context);
  absl::Mutex write_mu;
  SessionDriver::Callbacks callbacks;
  // A failed write means the call is over (the upstream ended it, or the
  // connection broke): then Finish has the reason, and must not be
  // replaced by our own cancellation.
  std::atomic<bool> call_over{false};
  callbacks.send = [&](const SyncMessage& m) {
    absl::MutexLock lock(&write_mu);
    const bool ok = stream->Write(m);
    if (!ok) call_over = true;
    return ok;
  };
  absl::Notification ended;
  absl::Status end_status;
  callbacks.on_end = [&](const absl::Status& s) {
    end_status = s;
    ended.Notify();
    if (!call_over) context.TryCancel();  // unblocks the reader below
  };
  absl::Mutex room_mu;
  bool room = true;
  callbacks.on_room = [&] {
    absl::MutexLock lock(&room_mu);
    room = true;
  };
  callbacks.on_progress = [this](int64_t now_ms) {
    absl::MutexLock lock(&mu_);
    state_.last_sync_ms = std::max(state_.last_sync_ms, now_ms);
  };
  sync::SessionOptions options;
  options.role = "community";
  // Central relays every community's changes in our scopes.
  options.peer_is_upstream = true;
  auto driver = std::make_unique<SessionDriver>(
      store_, options, peers_, "upstream:" + address_, callbacks);
  driver->Start();
  // Reader: this thread. Stops reading while the driver's queue is full.
  // "connected" only once the upstream has answered (a stream is created
  // lazily, before any connection exists).
  SyncMessage in;
  bool answered = false;
  while (!ended.HasBeenNotified() && stream->Read(&in)) {
    if (!answered) {
      answered = true;
      absl::MutexLock lock(&mu_);
      state_.state = "connected";
      ++state_.connects;
    }
    if (!driver->Deliver(std::move(in))) {
      absl::MutexLock lock(&room_mu);
      room = false;
      auto has_room = [&]() { return room; };
      while (!room_mu.AwaitWithTimeout(absl::Condition(&has_room),
                                       absl::Milliseconds(50)) &&
             !ended.HasBeenNotified()) {
      }
    }
  }
  // Read or a write failed on its own: the call is over and Finish gives
  // the upstream's status (a refusal says why). Otherwise we end it.
  if (!ended.HasBeenNotified()) call_over = true;
  const bool over = call_over;
  driver->Close(absl::UnavailableError("upstream stream ended"));
  driver.reset();
  if (!over) context.TryCancel();
  grpc::Status finish = stream->Finish();
  {
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
  }
  if (!end_status.ok() && !absl::IsUnavailable(end_status) &&
      !absl::IsCancelled(end_status)) {
    return end_status;
  }
  if (!finish.ok()) return FromGrpcStatus(finish);
  return end_status.ok() ? absl::UnavailableError("upstream closed the stream")
                         : end_status;
}

}  // namespace outpost::server
