#include "sync/session.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "sync/compress.h"
#include "sync/logging.h"
#include "sync/status_macros.h"

namespace outpost::sync {

SyncMessage SyncSession::ErrorMessage(const absl::Status& status) {
  SyncMessage m;
  m.mutable_error()->set_code(static_cast<int>(status.code()));
  m.mutable_error()->set_message(std::string(status.message()));
  return m;
}

std::vector<SyncMessage> SyncSession::Start() {
  SyncMessage m;
  auto* hello = m.mutable_hello();
  hello->set_node_id(store_->node_id());
  hello->set_role(options_.role);
  hello->set_protocol_version(Store::kProtocolVersion);
  hello->set_schema_version(store_->schema().Version());
  for (const std::string& s : store_->scopes().ToList()) hello->add_scopes(s);
  told_vv_ = store_->vv();
  *hello->mutable_vv() = told_vv_.ToProto();
  return {m};
}

absl::Status SyncSession::OnHello(const outpost::v1::Hello& hello) {
  if (peer_hello_received_) {
    return absl::InvalidArgumentError("a second Hello in one session");
  }
  if (hello.protocol_version() != Store::kProtocolVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "protocol version mismatch: peer ", hello.node_id(), " speaks ",
        hello.protocol_version(), ", this node ", Store::kProtocolVersion));
  }
  if (hello.schema_version() != store_->schema().Version()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "schema version mismatch: peer ", hello.node_id(), " has ",
        hello.schema_version(), ", this node ", store_->schema().Version()));
  }
  if (hello.node_id().empty() || hello.node_id() == store_->node_id()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "peer node id \"", hello.node_id(), "\" is empty or ours"));
  }
  ScopeSet scopes =
      ScopeSet::Of({hello.scopes().begin(), hello.scopes().end()});
  if (options_.authorize_peer) {
    ASSIGN_OR_RETURN(scopes, options_.authorize_peer(hello));
  }
  peer_hello_received_ = true;
  peer_.node_id = hello.node_id();
  peer_.scopes = std::move(scopes);
  peer_.relay =
      options_.peer_is_upstream || options_.relays.count(hello.node_id()) > 0;
  peer_vv_ = VersionVector::FromProto(hello.vv());
  sent_vv_ = peer_vv_;
  cursor_ = 0;
  return absl::OkStatus();
}

absl::Status SyncSession::OnBatch(const outpost::v1::Batch& batch,
                                  std::vector<SyncMessage>* out) {
  if (batch.batch_seq() != expected_batch_seq_) {
    return absl::InvalidArgumentError(absl::StrCat("batch ", batch.batch_seq(),
                                                   " out of order (expected ",
                                                   expected_batch_seq_, ")"));
  }
  ++expected_batch_seq_;
  std::optional<VersionVector> watermark;
  if (batch.has_watermark())
    watermark = VersionVector::FromProto(batch.watermark());
  ApplyResult result;
  int count = batch.changes_size();
  if (!batch.packed().empty()) {
    if (batch.changes_size() > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("batch ", batch.batch_seq(), " is both packed and not"));
    }
    ASSIGN_OR_RETURN(std::string bytes,
                     Inflate(batch.packed(), kMaxInflatedBatch));
    // One arena for the whole batch: thousands of small messages are
    // allocated and freed at once.
    google::protobuf::Arena arena;
    auto* list =
        google::protobuf::Arena::CreateMessage<outpost::v1::ChangeList>(&arena);
    if (!list->ParseFromString(bytes)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "batch ", batch.batch_seq(), ": packed changes do not parse"));
    }
    count = list->changes_size();
    ASSIGN_OR_RETURN(result,
                     store_->ApplyBatch(peer_, list->changes(), watermark));
    // The peer has what it sent us: never echo it back.
    for (const Change& c : list->changes()) {
      sent_vv_.Advance(c.dot().origin(), c.dot().seq());
    }
  } else {
    ASSIGN_OR_RETURN(result,
                     store_->ApplyBatch(peer_, batch.changes(), watermark));
    for (const Change& c : batch.changes()) {
      sent_vv_.Advance(c.dot().origin(), c.dot().seq());
    }
  }
  ++stats_.batches_received;
  stats_.changes_received += count;
  stats_.quarantined += result.quarantined;
  for (const std::string& negative : result.negative_balances) {
    OUTPOST_LOG(WARNING) << "negative balance after sync: " << negative;
  }
  if (batch.has_watermark()) inbound_caught_up_ = true;
  SyncMessage ack;
  ack.mutable_ack()->set_batch_seq(batch.batch_seq());
  auto* told = ack.mutable_ack()->mutable_vv();
  const VersionVector now = store_->vv();
  for (const auto& [origin, seq] : now.entries()) {
    if (told_vv_.Advance(origin, seq)) {
      auto* entry = told->add_entries();
      entry->set_origin(origin);
      entry->set_seq(seq);
    }
  }
  out->push_back(std::move(ack));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SyncMessage>> SyncSession::Handle(
    const SyncMessage& message) {
  std::vector<SyncMessage> out;
  switch (message.msg_case()) {
    case SyncMessage::kHello:
      RETURN_IF_ERROR(OnHello(message.hello()));
      break;
    case SyncMessage::kBatch:
      if (!peer_hello_received_) {
        return absl::InvalidArgumentError("Batch before Hello");
      }
      RETURN_IF_ERROR(OnBatch(message.batch(), &out));
      break;
    case SyncMessage::kAck: {
      if (!peer_hello_received_ || inflight_.empty()) {
        return absl::InvalidArgumentError("unexpected Ack");
      }
      inflight_.pop_front();
      peer_vv_.Merge(VersionVector::FromProto(message.ack().vv()));
      sent_vv_.Merge(peer_vv_);
      break;
    }
    case SyncMessage::kError:
      return absl::Status(static_cast<absl::StatusCode>(message.error().code()),
                          absl::StrCat("peer ", peer_.node_id, ": ",
                                       message.error().message()));
    case SyncMessage::MSG_NOT_SET:
      return absl::InvalidArgumentError("empty sync message");
  }
  RETURN_IF_ERROR(FillWindow(&out));
  return out;
}

uint64_t SyncSession::Backlog() const {
  // The peer's version vector alone over-counts when it could not take our
  // watermark (it holds fewer scopes, or parked changes wait): it then lacks
  // dots of changes it will never be sent.
  const uint64_t ahead = store_->vv().CountAhead(peer_vv_);
  if (!established() || ahead == 0) return ahead;
  uint64_t unacked = 0;
  for (uint64_t n : inflight_) unacked += n;
  const int64_t waiting = std::max<int64_t>(0, store_->LastLsn() - cursor_);
  if (cursor_ > 0 && waiting <= kExactBacklogRows) {
    absl::StatusOr<std::optional<uint64_t>> lacking = store_->CountLacking(
        cursor_, peer_.scopes, sent_vv_, kExactBacklogRows);
    if (lacking.ok() && lacking->has_value()) return unacked + **lacking;
  }
  return std::min(ahead, unacked + static_cast<uint64_t>(waiting));
}

absl::StatusOr<std::vector<SyncMessage>> SyncSession::Poll() {
  std::vector<SyncMessage> out;
  RETURN_IF_ERROR(FillWindow(&out));
  return out;
}

absl::Status SyncSession::FillWindow(std::vector<SyncMessage>* out) {
  if (!peer_hello_received_) return absl::OkStatus();
  if (announced_ && at_end_ && cursor_ >= store_->LastLsn()) {
    return absl::OkStatus();
  }
  while (static_cast<int>(inflight_.size()) < options_.max_inflight) {
    ExtractRequest request;
    request.peer_vv = sent_vv_;
    request.peer_scopes = peer_.scopes;
    request.after_lsn = cursor_;
    request.max_changes = options_.max_batch_changes;
    request.max_bytes = options_.max_batch_bytes;
    request.serialized = options_.pack_batches;
    ASSIGN_OR_RETURN(ExtractResult extract, store_->Extract(request));
    cursor_ = extract.next_lsn;
    at_end_ = extract.watermark.has_value();
    // Nothing new and nothing to vouch for: stay quiet.
    if (extract.count == 0 &&
        (!at_end_ || (announced_ && sent_vv_.Dominates(*extract.watermark)))) {
      break;
    }
    SyncMessage m;
    auto* batch = m.mutable_batch();
    batch->set_batch_seq(next_batch_seq_++);
    for (const auto& [origin, seq] : extract.dots)
      sent_vv_.Advance(origin, seq);
    if (options_.pack_batches) {
      if (extract.count > 0) batch->set_packed(Deflate(extract.change_list));
    } else {
      for (Change& c : extract.changes) *batch->add_changes() = std::move(c);
    }
    if (at_end_) {
      *batch->mutable_watermark() = extract.watermark->ToProto();
      // The peer may not take the watermark (scopes); remember only what we
      // sent, but stop re-announcing the same watermark.
      sent_vv_.Merge(*extract.watermark);
      announced_ = true;
    }
    inflight_.push_back(extract.count);
    ++stats_.batches_sent;
    stats_.changes_sent += extract.count;
    out->push_back(std::move(m));
    if (at_end_) break;
  }
  return absl::OkStatus();
}

absl::Status RunSessionUntilIdle(SyncSession& session, Transport& transport,
                                 absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (const SyncMessage& m : session.Start())
    RETURN_IF_ERROR(transport.Send(m));
  int quiet_rounds = 0;
  while (absl::Now() < deadline) {
    ASSIGN_OR_RETURN(auto message, transport.Receive(absl::Milliseconds(20)));
    std::vector<SyncMessage> out;
    if (message.has_value()) {
      quiet_rounds = 0;
      absl::StatusOr<std::vector<SyncMessage>> reply = session.Handle(*message);
      if (!reply.ok()) {
        (void)transport.Send(SyncSession::ErrorMessage(reply.status()));
        transport.Close();
        return reply.status();
      }
      out = *std::move(reply);
    } else {
      ASSIGN_OR_RETURN(out, session.Poll());
      if (out.empty() && session.outbound_idle() &&
          session.inbound_caught_up() && ++quiet_rounds >= 3) {
        return absl::OkStatus();
      }
    }
    for (const SyncMessage& m : out) RETURN_IF_ERROR(transport.Send(m));
  }
  return absl::DeadlineExceededError("session did not become idle in time");
}

}  // namespace outpost::sync
