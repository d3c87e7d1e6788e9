#include "server/replication_service.h"

#include <deque>
#include <memory>

#include "absl/strings/str_cat.h"
#include "server/auth.h"
#include "server/grpc_status.h"
#include "server/session_driver.h"
#include "sync/logging.h"

namespace outpost::server {
namespace {

using outpost::v1::SyncMessage;

class SyncReactor : public grpc::ServerBidiReactor<SyncMessage, SyncMessage> {
 public:
  SyncReactor(
      grpc::CallbackServerContext* context, sync::Store* store,
      const std::string& role, PeerRegistry* peers, std::string key,
      std::atomic<int>* active,
      std::function<absl::StatusOr<sync::ScopeSet>(const outpost::v1::Hello&)>
          authorize_peer,
      std::set<std::string> relays)
      : context_(context), active_(active) {
    ++*active_;
    SessionDriver::Callbacks callbacks;
    callbacks.send = [this](const SyncMessage& m) { return Enqueue(m); };
    callbacks.on_room = [this] { StartRead(&in_); };
    callbacks.on_end = [this](const absl::Status& status) { End(status); };
    sync::SessionOptions options;
    options.role = role;
    options.authorize_peer = std::move(authorize_peer);
    options.relays = std::move(relays);
    driver_ = std::make_unique<SessionDriver>(store, options, peers,
                                              std::move(key), callbacks);
    driver_->Start();
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client half-closed or the call broke.
      driver_->Close(absl::CancelledError("peer closed the stream"));
      return;
    }
    // The peer's certificate may have been revoked since the call began
    // (the interceptor rechecks it for every message): nothing more of it.
    if (absl::Status allowed = CallAllowed(context_); !allowed.ok()) {
      driver_->Close(allowed);
      return;
    }
    if (driver_->Deliver(std::move(in_))) StartRead(&in_);
    // else: the driver calls on_room, which starts the next read.
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      broken_ = true;
      outbox_.clear();
    }
    WriteNextLocked();
  }

  void OnCancel() override {
    driver_->Close(absl::CancelledError("call cancelled"));
  }

  void OnDone() override {
    driver_->Close(absl::CancelledError("call done"));
    driver_.reset();  // joins the driver thread (it stops within ~20 ms)
    --*active_;
    delete this;
  }

 private:
  bool Enqueue(const SyncMessage& m) {
    absl::MutexLock lock(&mu_);
    if (broken_ || finishing_) return false;
    outbox_.push_back(m);
    WriteNextLocked();
    return true;
  }

  void End(const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    if (finishing_) return;
    finishing_ = true;
    finish_status_ =
        absl::IsCancelled(status) ? grpc::Status::OK : ToGrpcStatus(status);
    WriteNextLocked();
  }

  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finished_) return;
    if (!outbox_.empty()) {
      current_ = std::move(outbox_.front());
      outbox_.pop_front();
      writing_ = true;
      StartWrite(&current_);
      return;
    }
    if (finishing_) {
      finished_ = true;
      Finish(finish_status_);
    }
  }

  grpc::CallbackServerContext* const context_;
  std::atomic<int>* active_;
  std::unique_ptr<SessionDriver> driver_;
  SyncMessage in_;
  absl::Mutex mu_;
  std::deque<SyncMessage> outbox_ ABSL_GUARDED_BY(mu_);
  SyncMessage current_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status finish_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

grpc::ServerBidiReactor<SyncMessage, SyncMessage>* ReplicationService::Sync(
    grpc::CallbackServerContext* context) {
  // Batches arrive and leave packed (zlib, see Batch.packed): no second
  // compression on this stream.
  context->set_compression_algorithm(GRPC_COMPRESS_NONE);
  if (absl::Status allowed = CallAllowed(context); !allowed.ok())
    return new RefusedBidi<SyncMessage, SyncMessage>(allowed);
  std::optional<Principal> principal = CallPrincipal(context);
  const std::string cert_id = principal ? principal->cert_node_id : "";
  const std::string from = context->peer();
  auto authorize =
      [policy = policy_, cert_id, from](
          const outpost::v1::Hello& hello) -> absl::StatusOr<sync::ScopeSet> {
    absl::StatusOr<sync::PeerInfo> peer = policy.Peer(cert_id, hello.node_id());
    if (!peer.ok()) {
      OUTPOST_LOG(WARNING) << "refused peer " << from << ": "
                           << peer.status().message();
      return peer.status();
    }
    if (!cert_id.empty()) {
      OUTPOST_LOG(INFO) << "peer " << cert_id << " (certificate) from " << from
                        << ", scopes " << peer->scopes.ToString()
                        << (peer->relay ? ", relays others' changes" : "");
      return peer->scopes;
    }
    sync::ScopeSet claimed =
        sync::ScopeSet::Of({hello.scopes().begin(), hello.scopes().end()});
    OUTPOST_LOG(INFO) << "plaintext peer " << hello.node_id() << " from "
                      << from << " (loopback development mode): trusting "
                      << "its claimed scopes " << claimed.ToString();
    return claimed;
  };
  return new SyncReactor(context, store_, role_, peers_,
                         absl::StrCat(context->peer(), "#", next_id_++),
                         &active_, std::move(authorize), policy_.relays);
}

}  // namespace outpost::server
