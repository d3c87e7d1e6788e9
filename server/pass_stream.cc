#include "server/pass_stream.h"

#include <utility>

namespace outpost::server {

PassStreamReactor::PassStreamReactor(sync::Store* store, Prepare prepare)
    : store_(store), prepare_(std::move(prepare)) {
  absl::MutexLock lock(&mu_);
  Pump();
}

void PassStreamReactor::OnReadDone(bool ok) {
  mu_.Lock();
  if (!ok) {
    reading_ = false;
    reads_done_ = true;  // the terminal closed its side (or the call ended)
    Pump();
    MaybeDelete();
    return;
  }
  auto slot = std::make_shared<Slot>();
  slots_.push_back(slot);
  mu_.Unlock();

  // reading_ stays set while request_ is in use, so no other thread starts
  // the next read into it.
  std::vector<sync::WriteRequest> writes;
  absl::Status status = prepare_(request_, &slot->response, &writes);
  const uint64_t ref = request_.ref();
  slot->response.set_ref(ref);
  if (!status.ok()) {
    slot->response.Clear();
    slot->response.set_ref(ref);
    slot->response.set_error(std::string(status.message()));
    slot->response.set_error_code(static_cast<int>(status.code()));
    absl::MutexLock lock(&mu_);
    slot->ready = true;
    reading_ = false;
    Pump();
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    ++commits_in_flight_;
    reading_ = false;
  }
  store_->WriteAllAsync(
      std::move(writes),
      [this, slot](absl::StatusOr<std::vector<sync::WriteResult>> result) {
        mu_.Lock();
        if (!result.ok()) {
          const uint64_t ref = slot->response.ref();
          slot->response.Clear();
          slot->response.set_ref(ref);
          slot->response.set_error(std::string(result.status().message()));
          slot->response.set_error_code(
              static_cast<int>(result.status().code()));
        }
        slot->ready = true;
        --commits_in_flight_;
        Pump();
        MaybeDelete();
      });
  absl::MutexLock lock(&mu_);
  Pump();
}

void PassStreamReactor::OnWriteDone(bool ok) {
  mu_.Lock();
  writing_ = false;
  slots_.pop_front();
  if (!ok && !finished_) {
    // The terminal is gone: its passages are durable; nothing more to say.
    finished_ = true;
    Finish(grpc::Status::CANCELLED);
  }
  Pump();
  MaybeDelete();
}

void PassStreamReactor::OnDone() {
  mu_.Lock();
  done_ = true;
  MaybeDelete();
}

void PassStreamReactor::Pump() {
  if (finished_) return;
  if (!writing_ && !slots_.empty() && slots_.front()->ready) {
    writing_ = true;
    StartWrite(&slots_.front()->response);
  }
  if (!reading_ && !reads_done_ && slots_.size() < kMaxInFlight) {
    reading_ = true;
    StartRead(&request_);
  }
  if (reads_done_ && slots_.empty() && !writing_) {
    finished_ = true;
    Finish(grpc::Status::OK);
  }
}

void PassStreamReactor::MaybeDelete() {
  const bool last = done_ && commits_in_flight_ == 0;
  mu_.Unlock();
  if (last) delete this;
}

}  // namespace outpost::server
