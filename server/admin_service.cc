#include "server/admin_service.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "server/auth.h"
#include "server/grpc_status.h"
#include "server/offload.h"

namespace outpost::server {
namespace {

int64_t CountRows(sync::Store* store, const char* sql) {
  int64_t n = 0;
  absl::Status status = store->WithReader([&](sync::Database* db) {
    sync::Statement& st = db->Cached(sql);
    absl::StatusOr<bool> row = st.Step();
    if (!row.ok()) return row.status();
    n = st.ColumnInt(0);
    st.Reset();
    return absl::OkStatus();
  });
  return status.ok() ? n : -1;
}

}  // namespace

void FillDigests(sync::Store* store, outpost::v1::DigestsResponse* out) {
  out->set_node_id(store->node_id());
  *out->mutable_vv() = store->vv().ToProto();
  absl::StatusOr<std::vector<sync::DigestEntry>> digests = store->Digests();
  if (!digests.ok()) return;
  for (const sync::DigestEntry& e : *digests) {
    auto* d = out->add_digests();
    d->set_table(e.table);
    d->set_scope(e.scope);
    d->set_digest(e.digest.Hex());
    d->set_rows(e.rows);
  }
}

grpc::ServerUnaryReactor* AdminService::Status(
    grpc::CallbackServerContext* context,
    const outpost::v1::StatusRequest* request,
    outpost::v1::StatusResponse* response) {
  return Offload(pool_, context, [this, request, response] {
    return DoStatus(*request, response);
  });
}

absl::Status AdminService::DoStatus(const outpost::v1::StatusRequest&,
                                    outpost::v1::StatusResponse* response) {
  response->set_node_id(store_->node_id());
  response->set_role(role_);
  for (const std::string& s : store_->scopes().ToList())
    response->add_scopes(s);
  response->set_schema_version(store_->schema().Version());
  if (upstream_ == nullptr) {
    response->set_upstream_state("disabled");
  } else {
    Upstream::State state = upstream_->state();
    response->set_upstream_state(state.state);
    response->set_upstream_address(upstream_->address());
    response->set_upstream_last_error(state.last_error);
    response->set_last_sync_ms(state.last_sync_ms);
  }
  for (const auto& peer : peers_->List()) *response->add_peers() = peer;
  *response->mutable_vv() = store_->vv().ToProto();
  response->set_open_conflicts(
      CountRows(store_, "SELECT COUNT(*) FROM _conflicts"));
  response->set_quarantined(
      CountRows(store_, "SELECT COUNT(*) FROM _quarantine"));
  response->set_clock_skew_warnings(store_->clock().skew_warnings());
  response->set_pending(store_->pending_count());
  response->set_log_size(store_->LastLsn());
  response->set_replica_id(store_->replica_id());
  response->set_held_for_clock(CountRows(
      store_, "SELECT COUNT(*) FROM _pending WHERE hold_until_ms IS NOT NULL"));
  response->set_dot_conflicts(store_->dot_conflicts());
  for (const sync::PeerRefusal& r : store_->Refusals()) {
    auto* out = response->add_refused();
    out->set_peer(r.peer);
    out->set_reason(r.reason);
    out->set_count(r.count);
  }
  return (absl::OkStatus());
}

grpc::ServerUnaryReactor* AdminService::Digests(
    grpc::CallbackServerContext* context,
    const outpost::v1::DigestsRequest* request,
    outpost::v1::DigestsResponse* response) {
  return Offload(pool_, context, [this, request, response] {
    return DoDigests(*request, response);
  });
}

absl::Status AdminService::DoDigests(const outpost::v1::DigestsRequest&,
                                     outpost::v1::DigestsResponse* response) {
  FillDigests(store_, response);
  return (absl::OkStatus());
}

grpc::ServerUnaryReactor* AdminService::Verify(
    grpc::CallbackServerContext* context,
    const outpost::v1::VerifyRequest* request,
    outpost::v1::VerifyResponse* response) {
  return Offload(pool_, context, [this, request, response] {
    return DoVerify(*request, response);
  });
}

absl::Status AdminService::DoVerify(const outpost::v1::VerifyRequest&,
                                    outpost::v1::VerifyResponse* response) {
  if (upstream_ == nullptr) {
    return (absl::FailedPreconditionError(
        "this node has no upstream to verify against"));
  }
  // A short blocking call to the upstream; Verify is an operator action.
  auto stub = outpost::v1::Admin::NewStub(upstream_->channel());
  grpc::ClientContext client;
  client.set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(10));
  outpost::v1::DigestsResponse theirs;
  grpc::Status status =
      stub->Digests(&client, outpost::v1::DigestsRequest(), &theirs);
  if (!status.ok()) {
    return (absl::UnavailableError(
        absl::StrCat("upstream ", upstream_->address(),
                     " unreachable: ", status.error_message())));
  }
  outpost::v1::DigestsResponse ours;
  FillDigests(store_, &ours);
  std::map<std::pair<std::string, std::string>, outpost::v1::VerifyEntry>
      entries;
  for (const auto& d : ours.digests()) {
    auto& e = entries[{d.table(), d.scope()}];
    e.set_table(d.table());
    e.set_scope(d.scope());
    e.set_local_digest(d.digest());
    e.set_local_rows(d.rows());
  }
  for (const auto& d : theirs.digests()) {
    if (!store_->scopes().Contains(d.scope())) continue;
    auto& e = entries[{d.table(), d.scope()}];
    e.set_table(d.table());
    e.set_scope(d.scope());
    e.set_upstream_digest(d.digest());
    e.set_upstream_rows(d.rows());
  }
  bool all_equal = true;
  for (auto& [key, e] : entries) {
    e.set_equal(e.local_digest() == e.upstream_digest() &&
                e.local_rows() == e.upstream_rows());
    all_equal = all_equal && e.equal();
    *response->add_entries() = e;
  }
  response->set_all_equal(all_equal);
  response->set_upstream(upstream_->address());
  return (absl::OkStatus());
}

namespace {
sync::WriteRequest ToWriteRequest(const outpost::v1::PutRequest& request) {
  sync::WriteRequest w;
  w.table = request.table();
  w.row_id = request.row_id();
  w.scope = request.scope();
  w.author = request.author();
  if (request.delete_()) w.kind = sync::WriteRequest::Kind::kDelete;
  for (const auto& [name, value] : request.fields()) w.Set(name, value);
  return w;
}
}  // namespace

grpc::ServerUnaryReactor* AdminService::Put(
    grpc::CallbackServerContext* context,
    const outpost::v1::PutRequest* request,
    outpost::v1::PutResponse* response) {
  return Offload(pool_, context, [this, request, response] {
    return DoPut(*request, response);
  });
}

absl::Status AdminService::DoPut(const outpost::v1::PutRequest& request,
                                 outpost::v1::PutResponse* response) {
  absl::StatusOr<sync::WriteResult> result =
      store_->Write(ToWriteRequest(request));
  if (result.ok()) {
    *response->mutable_dot() = result->dot;
    response->set_hlc(result->hlc);
  }
  return (result.status());
}

grpc::ServerUnaryReactor* AdminService::PutMany(
    grpc::CallbackServerContext* context,
    const outpost::v1::PutManyRequest* request,
    outpost::v1::PutManyResponse* response) {
  return Offload(pool_, context, [this, request, response] {
    return DoPutMany(*request, response);
  });
}

absl::Status AdminService::DoPutMany(const outpost::v1::PutManyRequest& request,
                                     outpost::v1::PutManyResponse* response) {
  std::vector<sync::WriteRequest> writes;
  for (const auto& put : request.puts()) writes.push_back(ToWriteRequest(put));
  absl::StatusOr<std::vector<sync::WriteResult>> results =
      store_->WriteAll(writes);
  if (results.ok()) {
    for (const sync::WriteResult& r : *results) {
      auto* out = response->add_results();
      *out->mutable_dot() = r.dot;
      out->set_hlc(r.hlc);
    }
  }
  return (results.status());
}

grpc::ServerUnaryReactor* AdminService::Get(
    grpc::CallbackServerContext* context,
    const outpost::v1::GetRequest* request,
    outpost::v1::GetResponse* response) {
  return Offload(pool_, context, [this, request, response] {
    return DoGet(*request, response);
  });
}

absl::Status AdminService::DoGet(const outpost::v1::GetRequest& request,
                                 outpost::v1::GetResponse* response) {
  absl::StatusOr<sync::RowState> row =
      store_->ReadRow(request.table(), request.row_id());
  if (!row.ok()) return (row.status());
  *response->mutable_state() = *row;
  response->set_deleted(sync::IsDeleted(*row));
  absl::StatusOr<std::map<std::string, sync::Value>> values =
      store_->ReadValues(request.table(), request.row_id());
  if (values.ok()) {
    for (const auto& [name, value] : *values)
      (*response->mutable_values())[name] = value;
  }
  return (absl::OkStatus());
}

grpc::ServerUnaryReactor* AdminService::Conflicts(
    grpc::CallbackServerContext* context,
    const outpost::v1::ConflictsRequest* request,
    outpost::v1::ConflictsResponse* response) {
  return Offload(pool_, context, [this, request, response] {
    return DoConflicts(*request, response);
  });
}

absl::Status AdminService::DoConflicts(
    const outpost::v1::ConflictsRequest& request,
    outpost::v1::ConflictsResponse* response) {
  absl::StatusOr<std::vector<sync::Conflict>> conflicts =
      store_->ListConflicts({request.table(), request.scope()});
  if (!conflicts.ok()) return (conflicts.status());
  for (const sync::Conflict& c : *conflicts) {
    if (!CallerMayUse(c.scope).ok()) continue;  // another community's
    auto* v = response->add_conflicts();
    v->set_id(c.id);
    v->set_table(c.table);
    v->set_row_id(c.row_id);
    v->set_scope(c.scope);
    v->set_field(c.field);
    v->set_kind(sync::ConflictKindName(c.kind));
    for (const sync::ConflictValue& cv : c.values) {
      auto* x = v->add_values();
      *x->mutable_dot() = cv.dot;
      x->set_hlc(cv.hlc);
      *x->mutable_value() = cv.value;
      x->set_author(cv.author);
      x->set_shown(cv.shown);
      x->set_field(cv.field);
    }
  }
  return (absl::OkStatus());
}

}  // namespace outpost::server
