// Store: opening, transactions, local writes (group commit), validation.
// Remote apply lives in store_apply.cc; reads, conflicts and quarantine in
// store_read.cc.
#include "sync/store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sync/logging.h"
#include "sync/status_macros.h"
#include "sync/store_txn.h"

namespace outpost::sync {

Value IntValue(int64_t v) {
  Value value;
  value.set_int_value(v);
  return value;
}
Value RealValue(double v) {
  Value value;
  value.set_real_value(v);
  return value;
}
Value TextValue(std::string v) {
  Value value;
  value.set_text_value(std::move(v));
  return value;
}
Value BoolValue(bool v) {
  Value value;
  value.set_bool_value(v);
  return value;
}
Value BytesValue(std::string v) {
  Value value;
  value.set_bytes_value(std::move(v));
  return value;
}
Value NullValue() { return Value(); }

void BindValue(Statement& st, int index, const Value& value) {
  switch (value.kind_case()) {
    case Value::kIntValue:
      st.BindInt(index, value.int_value());
      break;
    case Value::kRealValue:
      st.BindDouble(index, value.real_value());
      break;
    case Value::kTextValue:
      st.BindText(index, value.text_value());
      break;
    case Value::kBytesValue:
      st.BindBlob(index, value.bytes_value());
      break;
    case Value::kBoolValue:
      st.BindInt(index, value.bool_value() ? 1 : 0);
      break;
    case Value::KIND_NOT_SET:
      st.BindNull(index);
      break;
  }
}

Value ColumnValue(const Statement& st, int col, FieldType type) {
  if (st.ColumnIsNull(col)) return NullValue();
  switch (type) {
    case FieldType::kInt:
      return IntValue(st.ColumnInt(col));
    case FieldType::kReal:
      return RealValue(st.ColumnDouble(col));
    case FieldType::kText:
      return TextValue(st.ColumnText(col));
    case FieldType::kBytes: {
      Value v;
      v.set_bytes_value(std::string(st.ColumnBlob(col)));
      return v;
    }
    case FieldType::kBool:
      return BoolValue(st.ColumnInt(col) != 0);
  }
  return NullValue();
}

namespace {

const std::vector<std::string>& Migrations() {
  static const auto* migrations = new std::vector<std::string>{
      // 1: sync metadata.
      R"sql(
CREATE TABLE _kv(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE _meta(tbl TEXT NOT NULL, row_id TEXT NOT NULL, scope TEXT NOT NULL,
                   state BLOB NOT NULL, hash BLOB NOT NULL,
                   PRIMARY KEY(tbl, row_id)) WITHOUT ROWID;
CREATE TABLE _log(lsn INTEGER PRIMARY KEY, origin TEXT NOT NULL,
                  seq INTEGER NOT NULL, scope TEXT NOT NULL,
                  change BLOB NOT NULL);
CREATE INDEX _log_dot ON _log(origin, seq);
CREATE TABLE _vv(origin TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE _digests(tbl TEXT NOT NULL, scope TEXT NOT NULL,
                      lo INTEGER NOT NULL, hi INTEGER NOT NULL,
                      rows INTEGER NOT NULL,
                      PRIMARY KEY(tbl, scope)) WITHOUT ROWID;
CREATE TABLE _conflicts(id TEXT PRIMARY KEY, tbl TEXT NOT NULL,
                        row_id TEXT NOT NULL, scope TEXT NOT NULL,
                        field TEXT NOT NULL, kind TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX _conflicts_row ON _conflicts(tbl, row_id);
CREATE TABLE _pending(origin TEXT NOT NULL, seq INTEGER NOT NULL,
                      covered INTEGER NOT NULL, peer TEXT NOT NULL,
                      peer_scopes TEXT NOT NULL, change BLOB NOT NULL,
                      PRIMARY KEY(origin, seq)) WITHOUT ROWID;
CREATE TABLE _quarantine(id INTEGER PRIMARY KEY AUTOINCREMENT,
                         peer TEXT NOT NULL, peer_scopes TEXT NOT NULL,
                         origin TEXT NOT NULL,
                         seq INTEGER NOT NULL, tbl TEXT NOT NULL,
                         row_id TEXT NOT NULL, code INTEGER NOT NULL,
                         reason TEXT NOT NULL, change BLOB NOT NULL,
                         received_ms INTEGER NOT NULL);
)sql",
      // 2: changes waiting for our clock: their timestamp is too far ahead.
      R"sql(
ALTER TABLE _pending ADD COLUMN hold_until_ms INTEGER;
)sql",
  };
  return *migrations;
}

const char* SqlType(FieldType type) {
  switch (type) {
    case FieldType::kInt:
    case FieldType::kBool:
      return "INTEGER";
    case FieldType::kReal:
      return "REAL";
    case FieldType::kText:
      return "TEXT";
    case FieldType::kBytes:
      return "BLOB";
  }
  return "BLOB";
}

// The statements a table's rows need, built once per table at open.
std::string InsertSql(const TableDef& table, bool upsert) {
  std::string cols = "id, scope";
  std::string params = "?1, ?2";
  std::string updates = "scope = excluded.scope";
  int i = 3;
  for (const FieldDef& f : table.fields) {
    const std::string col = QuoteId(f.name);
    absl::StrAppend(&cols, ", ", col);
    absl::StrAppend(&params, ", ?", i++);
    absl::StrAppend(&updates, ", ", col, " = excluded.", col);
  }
  return absl::StrCat(
      "INSERT INTO ", QuoteId(table.name), "(", cols, ") VALUES(", params,
      ") ON CONFLICT(id) DO ",
      upsert ? absl::StrCat("UPDATE SET ", updates) : std::string("NOTHING"));
}

}  // namespace

Store::Store(StoreOptions options)
    : options_(std::move(options)),
      replica_id_(options_.replica_id.empty() ? MintReplicaId(options_.node_id)
                                              : options_.replica_id),
      clock_(options_.clock, options_.max_clock_skew_ms) {}

Store::~Store() {
  std::thread committer;
  {
    absl::MutexLock lock(&queue_mu_);
    committer_stop_ = true;
    committer_cv_.Signal();
    committer = std::move(committer_);
  }
  if (committer.joinable()) committer.join();
  {
    absl::MutexLock lock(&read_mu_);
    reader_.reset();
  }
  absl::MutexLock lock(&db_mu_);
  db_.reset();
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(StoreOptions options) {
  if (options.node_id.empty() || options.node_id.size() > 64 ||
      options.node_id.find_first_of(" \t\n/:*") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "node id \"", options.node_id,
        "\" must be 1-64 characters without spaces, '/', ':' or '*'"));
  }
  if (!options.replica_id.empty() &&
      NodeOfOrigin(options.replica_id) != options.node_id) {
    return absl::InvalidArgumentError(
        absl::StrCat("replica id \"", options.replica_id,
                     "\" is not one of node \"", options.node_id, "\""));
  }
  std::unique_ptr<Store> store(new Store(std::move(options)));
  RETURN_IF_ERROR(store->Init());
  return store;
}

absl::Status Store::Init() {
  absl::MutexLock lock(&db_mu_);
  Database::Options db_options;
  db_options.path = options_.path;
  db_options.synchronous_full = options_.synchronous_full;
  ASSIGN_OR_RETURN(db_, Database::Open(db_options));
  RETURN_IF_ERROR(db_->QuickCheck());
  RETURN_IF_ERROR(db_->Migrate(Migrations()));

  // User tables from the schema: create, then add any newly declared field.
  for (const TableDef& table : options_.schema.tables()) {
    TableSql& sql = table_sql_[table.name];
    sql.insert_once = InsertSql(table, /*upsert=*/false);
    sql.upsert = InsertSql(table, /*upsert=*/true);
    std::string cols = "scope";
    for (const FieldDef& f : table.fields)
      absl::StrAppend(&cols, ", ", QuoteId(f.name));
    sql.select = absl::StrCat("SELECT ", cols, " FROM ", QuoteId(table.name),
                              " WHERE id = ?1");
    sql.remove =
        absl::StrCat("DELETE FROM ", QuoteId(table.name), " WHERE id = ?1");
    std::string ddl =
        absl::StrCat("CREATE TABLE IF NOT EXISTS ", QuoteId(table.name),
                     "(id TEXT PRIMARY KEY, scope TEXT NOT NULL");
    for (const FieldDef& f : table.fields) {
      absl::StrAppend(&ddl, ", ", QuoteId(f.name), " ", SqlType(f.type));
    }
    absl::StrAppend(&ddl, ") WITHOUT ROWID");
    RETURN_IF_ERROR(db_->Exec(ddl));
    ASSIGN_OR_RETURN(auto info, db_->Prepare(absl::StrCat(
                                    "SELECT name FROM pragma_table_info('",
                                    table.name, "')")));
    std::set<std::string> columns;
    while (true) {
      ASSIGN_OR_RETURN(bool row, info->Step());
      if (!row) break;
      columns.insert(info->ColumnText(0));
    }
    for (const FieldDef& f : table.fields) {
      if (columns.count(f.name)) continue;
      RETURN_IF_ERROR(db_->Exec(
          absl::StrCat("ALTER TABLE ", QuoteId(table.name), " ADD COLUMN ",
                       QuoteId(f.name), " ", SqlType(f.type))));
    }
    if (table.policy == MergePolicy::kLedger && !table.key_fields.empty()) {
      std::vector<std::string> keys;
      for (const std::string& k : table.key_fields) keys.push_back(QuoteId(k));
      RETURN_IF_ERROR(db_->Exec(absl::StrCat(
          "CREATE INDEX IF NOT EXISTS ", QuoteId(table.name + "_keys"), " ON ",
          QuoteId(table.name), "(", absl::StrJoin(keys, ","), ")")));
    }
  }

  // Node identity: a database belongs to exactly one node.
  Statement& get = db_->Cached("SELECT value FROM _kv WHERE key = 'node_id'");
  ASSIGN_OR_RETURN(bool has_id, get.Step());
  if (has_id) {
    const std::string owner = get.ColumnText(0);
    get.Reset();
    if (owner != options_.node_id) {
      return absl::FailedPreconditionError(
          absl::StrCat(options_.path, " belongs to node \"", owner,
                       "\", not \"", options_.node_id, "\""));
    }
  } else {
    get.Reset();
    Statement& put =
        db_->Cached("INSERT INTO _kv(key, value) VALUES('node_id', ?1)");
    put.BindText(1, options_.node_id);
    RETURN_IF_ERROR(put.Run());
  }
  RETURN_IF_ERROR(LoadState());
  OUTPOST_LOG(INFO) << "node " << options_.node_id << " writes as replica "
                    << replica_id_ << " (a new one at every start)";
  // The reader, opened once the schema exists.
  absl::MutexLock read_lock(&read_mu_);
  ASSIGN_OR_RETURN(reader_, Database::Open(db_options));
  return absl::OkStatus();
}

absl::Status Store::LoadState() {
  vv_ = VersionVector();
  Statement& vv = db_->Cached("SELECT origin, seq FROM _vv");
  while (true) {
    ASSIGN_OR_RETURN(bool row, vv.Step());
    if (!row) break;
    vv_.Advance(vv.ColumnText(0), static_cast<uint64_t>(vv.ColumnInt(1)));
  }
  digests_.clear();
  Statement& dg = db_->Cached("SELECT tbl, scope, lo, hi, rows FROM _digests");
  while (true) {
    ASSIGN_OR_RETURN(bool row, dg.Step());
    if (!row) break;
    DigestEntry e;
    e.table = dg.ColumnText(0);
    e.scope = dg.ColumnText(1);
    e.digest.lo = static_cast<uint64_t>(dg.ColumnInt(2));
    e.digest.hi = static_cast<uint64_t>(dg.ColumnInt(3));
    e.rows = dg.ColumnInt(4);
    digests_[{e.table, e.scope}] = e;
  }
  Statement& lsn = db_->Cached("SELECT COALESCE(MAX(lsn), 0) FROM _log");
  ASSIGN_OR_RETURN(bool has_lsn, lsn.Step());
  last_lsn_ = has_lsn ? lsn.ColumnInt(0) : 0;
  lsn.Reset();
  Statement& pending = db_->Cached("SELECT COUNT(*) FROM _pending");
  ASSIGN_OR_RETURN(bool has_pending, pending.Step());
  pending_count_ = has_pending ? pending.ColumnInt(0) : 0;
  pending.Reset();
  Statement& hlc = db_->Cached("SELECT value FROM _kv WHERE key = 'hlc'");
  ASSIGN_OR_RETURN(bool has_hlc, hlc.Step());
  if (has_hlc) {
    const uint64_t saved = std::stoull(hlc.ColumnText(0));
    if (!clock_.Restore(saved)) {
      OUTPOST_LOG(WARNING) << "ignoring the saved clock " << saved << " ("
                           << HlcPhysicalMs(saved) << " ms): it is beyond "
                           << options_.max_clock_skew_ms
                           << " ms ahead of this PC's time";
    }
  }
  hlc.Reset();
  return LoadNextHold();
}

absl::Status Store::LoadNextHold() {
  Statement& hold = db_->Cached(
      "SELECT MIN(hold_until_ms) FROM _pending "
      "WHERE hold_until_ms IS NOT NULL");
  ASSIGN_OR_RETURN(bool has_hold, hold.Step());
  next_hold_ms_ =
      has_hold && !hold.ColumnIsNull(0) ? hold.ColumnInt(0) : INT64_MAX;
  hold.Reset();
  return absl::OkStatus();
}

absl::Status Store::RunTxn(const std::function<absl::Status(Txn&)>& fn,
                           bool fail_before_commit) {
  Transaction sql_txn(db_.get());
  RETURN_IF_ERROR(sql_txn.Begin());
  Txn txn(vv_, last_lsn_, &digests_);
  RETURN_IF_ERROR(fn(txn));
  for (const std::string& origin : txn.vv_dirty) {
    Statement& st = db_->Cached(
        "INSERT INTO _vv(origin, seq) VALUES(?1, ?2) "
        "ON CONFLICT(origin) DO UPDATE SET seq = excluded.seq");
    st.BindText(1, origin);
    st.BindInt(2, static_cast<int64_t>(txn.vv.Get(origin)));
    RETURN_IF_ERROR(st.Run());
  }
  for (const auto& [key, e] : txn.digests) {
    Statement& st = db_->Cached(
        "INSERT INTO _digests(tbl, scope, lo, hi, rows) VALUES(?1,?2,?3,?4,?5)"
        " ON CONFLICT(tbl, scope) DO UPDATE SET lo = excluded.lo,"
        " hi = excluded.hi, rows = excluded.rows");
    st.BindText(1, e.table);
    st.BindText(2, e.scope);
    st.BindInt(3, static_cast<int64_t>(e.digest.lo));
    st.BindInt(4, static_cast<int64_t>(e.digest.hi));
    st.BindInt(5, e.rows);
    RETURN_IF_ERROR(st.Run());
  }
  Statement& hlc = db_->Cached(
      "INSERT INTO _kv(key, value) VALUES('hlc', ?1) "
      "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  hlc.BindText(1, absl::StrCat(clock_.last()));
  RETURN_IF_ERROR(hlc.Run());
  if (fail_before_commit) {
    return absl::UnavailableError("simulated crash before commit (test hook)");
  }
  RETURN_IF_ERROR(sql_txn.Commit());
  // Durable: publish the overlay.
  if (txn.last_lsn != last_lsn_) log_grew_ = true;
  vv_ = std::move(txn.vv);
  last_lsn_ = txn.last_lsn;
  pending_count_ += txn.pending_delta;
  for (auto& [key, e] : txn.digests) digests_[key] = std::move(e);
  return absl::OkStatus();
}

// ---- Local writes ----

struct Store::QueuedWrite {
  const std::vector<WriteRequest>* requests;
  absl::StatusOr<std::vector<WriteResult>> result;
  bool done = false;
  // Signalled when done, or when this write reaches the front and leads.
  absl::CondVar cv;
  // Asynchronous writes own their requests and finish through `callback`.
  std::vector<WriteRequest> owned;
  WriteCallback callback;
  bool async() const { return callback != nullptr; }
};

absl::StatusOr<WriteResult> Store::Write(const WriteRequest& request) {
  ASSIGN_OR_RETURN(std::vector<WriteResult> results, WriteAll({request}));
  return results.front();
}

absl::StatusOr<std::vector<WriteResult>> Store::WriteAll(
    const std::vector<WriteRequest>& requests) {
  if (requests.empty()) return std::vector<WriteResult>();
  QueuedWrite me;
  me.requests = &requests;
  std::vector<QueuedWrite*> finished;
  {
    absl::MutexLock lock(&queue_mu_);
    queue_.push_back(&me);
    // Each writer waits on its own condition variable, so a finished group
    // is released at once rather than one waiter's wake-up after another.
    while (!me.done && queue_.front() != &me) me.cv.Wait(&queue_mu_);
    if (!me.done) LeadGroup(&finished);
  }
  for (QueuedWrite* w : finished) {
    w->callback(std::move(w->result));
    delete w;
  }
  return std::move(me.result);
}

void Store::WriteAllAsync(std::vector<WriteRequest> requests,
                          WriteCallback done) {
  if (requests.empty()) {
    done(std::vector<WriteResult>());
    return;
  }
  auto* w = new QueuedWrite;
  w->owned = std::move(requests);
  w->requests = &w->owned;
  w->callback = std::move(done);
  absl::MutexLock lock(&queue_mu_);
  if (!committer_.joinable()) {
    committer_ = std::thread([this] { CommitterLoop(); });
  }
  queue_.push_back(w);
  if (queue_.front() == w) committer_cv_.Signal();
}

void Store::CommitterLoop() {
  std::vector<QueuedWrite*> finished;
  queue_mu_.Lock();
  while (true) {
    // On stop, what is queued is still committed: every callback runs.
    while (!(!queue_.empty() && queue_.front()->async()) &&
           !(committer_stop_ && queue_.empty())) {
      committer_cv_.Wait(&queue_mu_);
    }
    if (queue_.empty()) break;
    LeadGroup(&finished);
    queue_mu_.Unlock();
    for (QueuedWrite* w : finished) {
      w->callback(std::move(w->result));
      delete w;
    }
    finished.clear();
    queue_mu_.Lock();
  }
  queue_mu_.Unlock();
}

void Store::SignalFront() {
  if (queue_.empty()) {
    if (committer_stop_) committer_cv_.Signal();  // let it see the end
    return;
  }
  if (queue_.front()->async()) {
    committer_cv_.Signal();
  } else {
    queue_.front()->cv.Signal();
  }
}

void Store::LeadGroup(std::vector<QueuedWrite*>* finished) {
  // Writers released by the previous commit come back a few microseconds
  // later; when groups are busy, wait briefly for them so the fsync is shared
  // by a full group instead of alternating half groups. A lone writer never
  // waits, nor does the committer: asynchronous writers are not released by
  // a commit, so there is nobody on the way back to wait for.
  const size_t expected = std::min<size_t>(
      options_.max_group, std::max(last_group_sizes_[0], last_group_sizes_[1]));
  if (!queue_.front()->async() && last_group_sizes_[0] > 1 &&
      queue_.size() < expected) {
    std::pair<std::deque<QueuedWrite*>*, size_t> fill_arg(&queue_, expected);
    queue_mu_.AwaitWithTimeout(
        absl::Condition(
            +[](std::pair<std::deque<QueuedWrite*>*, size_t>* arg) {
              return arg->first->size() >= arg->second;
            },
            &fill_arg),
        absl::Microseconds(80));
  }
  std::vector<QueuedWrite*> group;
  size_t count = 0;
  for (QueuedWrite* w : queue_) {
    if (!group.empty() &&
        count + w->requests->size() > static_cast<size_t>(options_.max_group)) {
      break;
    }
    group.push_back(w);
    count += w->requests->size();
  }
  last_group_sizes_[1] = last_group_sizes_[0];
  last_group_sizes_[0] = group.size();
  queue_mu_.Unlock();
  const absl::Time started = absl::Now();
  absl::Status status = CommitGroup(group);
  const absl::Duration took = absl::Now() - started;
  queue_mu_.Lock();
  // Every answer waits for the commit: a slow disk shows up here first.
  if (took > kSlowCommit && started - last_slow_warning_ > absl::Seconds(10)) {
    last_slow_warning_ = started;
    OUTPOST_LOG(WARNING) << "a commit of " << count << " write(s) took "
                         << absl::FormatDuration(took)
                         << " (slow or busy disk? every answer waits for it)";
  }
  for (QueuedWrite* w : group) {
    if (!status.ok()) w->result = status;
    w->done = true;
    queue_.pop_front();
    if (w->async()) {
      finished->push_back(w);
    } else {
      w->cv.Signal();  // the leader's own signal is harmless
    }
  }
  SignalFront();  // the next leader
}

absl::Status Store::CommitGroup(std::vector<QueuedWrite*>& group) {
  NotifyOnExit notify{this};
  absl::MutexLock lock(&db_mu_);
  return RunTxn([&](Txn& txn) -> absl::Status {
    for (QueuedWrite* w : group) {
      const bool multi = w->requests->size() > 1;
      // A multi-request write may fail after some of its changes were
      // applied: keep a savepoint and the overlay to undo them. A single
      // request is refused, if at all, before anything is written.
      std::optional<Savepoint> savepoint;
      std::optional<Txn> saved;
      if (multi) {
        saved.emplace(txn);
        savepoint.emplace(db_.get());
        RETURN_IF_ERROR(savepoint->status());
      }
      std::vector<WriteResult> results;
      absl::Status status;
      for (const WriteRequest& request : *w->requests) {
        absl::StatusOr<WriteResult> result = WriteInTxn(txn, request);
        if (!result.ok()) {
          status = result.status();
          break;
        }
        results.push_back(*std::move(result));
      }
      if (status.ok() && multi) status = savepoint->Release();
      if (!status.ok()) {
        // Only refusals before any write are per-request; anything else
        // (I/O, corruption) fails the whole group.
        if (!multi && !IsRefusal(status)) return status;
        if (saved.has_value()) txn = *std::move(saved);
        w->result = status;
      } else {
        w->result = std::move(results);
      }
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<WriteResult> Store::WriteInTxn(Txn& txn,
                                              const WriteRequest& request) {
  WriteResult result;
  std::optional<RowState> current;
  ASSIGN_OR_RETURN(Change change,
                   BuildLocalChange(txn, request, &result.existed, &current));
  if (result.existed) return result;
  RETURN_IF_ERROR(ValidateChange(change));
  RETURN_IF_ERROR(ApplyChange(txn, change, &current));
  result.dot = change.dot();
  result.hlc = change.hlc();
  return result;
}

absl::StatusOr<Change> Store::BuildLocalChange(
    Txn& txn, const WriteRequest& request, bool* existed,
    std::optional<RowState>* current) {
  *existed = false;
  const TableDef* table = options_.schema.table(request.table);
  if (table == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("table: unknown table \"", request.table, "\""));
  }
  if (request.row_id.empty() || request.row_id.size() > 200) {
    return absl::InvalidArgumentError(
        absl::StrCat(request.table, ".id: must be 1-200 bytes"));
  }
  Change change;
  change.set_table(request.table);
  change.set_row_id(request.row_id);
  change.set_author(request.author);

  // Fields, sorted and unique.
  std::vector<std::pair<std::string, Value>> fields = request.fields;
  for (auto& [name, value] : fields) {
    // -0.0 == 0.0 but serializes differently: one canonical zero.
    if (value.kind_case() == Value::kRealValue && value.real_value() == 0) {
      value.set_real_value(0.0);
    }
  }
  std::sort(fields.begin(), fields.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 1; i < fields.size(); ++i) {
    if (fields[i].first == fields[i - 1].first) {
      return absl::InvalidArgumentError(absl::StrCat(
          request.table, ".", fields[i].first, ": given more than once"));
    }
  }
  for (const auto& [name, value] : fields) {
    const FieldDef* def = table->field(name);
    if (def == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(request.table, ".", name, ": no such field"));
    }
    RETURN_IF_ERROR(CheckValueType(*table, *def, value));
  }

  std::optional<RowState> row;
  std::string scope = request.scope;
  if (table->is_insert_only()) {
    if (request.kind != WriteRequest::Kind::kUpsert) {
      return absl::InvalidArgumentError(
          absl::StrCat(request.table, " is ", MergePolicyName(table->policy),
                       ": rows cannot be deleted or restored"));
    }
  } else {
    ASSIGN_OR_RETURN(row, LoadRowState(request.table, request.row_id));
    *current = row;
    if (row.has_value() && row->fields_size() == 0) row.reset();
  }
  if (row.has_value()) {
    if (!scope.empty() && scope != row->scope()) {
      return absl::FailedPreconditionError(
          absl::StrCat(request.table, " ", request.row_id, " belongs to scope ",
                       row->scope(), ", not ", scope));
    }
    scope = row->scope();
  }
  if (scope.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(request.table, ".scope: required for a new row"));
  }
  if (!options_.scopes.Contains(scope)) {
    return absl::PermissionDeniedError(
        absl::StrCat("scope ", scope, " is not held by node ", options_.node_id,
                     " (holds ", options_.scopes.ToString(), ")"));
  }
  change.set_scope(scope);

  const bool deleted = row.has_value() && IsDeleted(*row);
  auto add_write = [&](const std::string& name, const Value& value) {
    FieldWrite* w = change.add_writes();
    w->set_field(name);
    *w->mutable_value() = value;
    const FieldState* current = row ? FindField(*row, name) : nullptr;
    if (current != nullptr) {
      for (const Sibling& s : current->siblings())
        *w->add_supersedes() = s.dot();
    }
    return w;
  };

  switch (request.kind) {
    case WriteRequest::Kind::kUpsert: {
      if (fields.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            request.table, " ", request.row_id, ": no fields given"));
      }
      if (deleted) {
        return absl::NotFoundError(
            absl::StrCat(request.table, " ", request.row_id,
                         " is deleted; restore it first"));
      }
      if (table->is_insert_only()) {
        // Insert once: an existing row must be identical (idempotent retry).
        ASSIGN_OR_RETURN(auto current,
                         ReadValuesLocked(*table, request.row_id));
        if (current.has_value()) {
          bool same = current->first == scope;
          for (const FieldDef& f : table->fields) {
            Value given;
            for (const auto& [name, value] : fields) {
              if (name == f.name) given = value;
            }
            if (!ValueEqual(given, current->second[f.name])) same = false;
          }
          if (same && request.idempotent) {
            *existed = true;
            return change;
          }
          return absl::AlreadyExistsError(absl::StrCat(
              request.table, " ", request.row_id,
              same ? " already exists" : " already exists with other content"));
        }
      }
      for (const auto& [name, value] : fields) {
        if (value.kind_case() == Value::KIND_NOT_SET &&
            table->is_insert_only()) {
          continue;  // NULL is the absence of a value in insert-only rows
        }
        const FieldDef* def = table->field(name);
        if (!def->states.empty() && row.has_value() &&
            !request.allow_backward) {
          const FieldState* current = FindField(*row, name);
          const Sibling* shown =
              current ? ShownSibling(def, *table, *current) : nullptr;
          if (shown != nullptr &&
              table->StateRank(*def, value.text_value()) <
                  table->StateRank(*def, shown->value().text_value())) {
            return absl::FailedPreconditionError(absl::StrCat(
                request.table, ".", name, ": cannot move back from ",
                shown->value().text_value(), " to ", value.text_value(),
                " (an operator action)"));
          }
        }
        add_write(name, value);
      }
      break;
    }
    case WriteRequest::Kind::kDelete:
    case WriteRequest::Kind::kRestore: {
      const bool is_delete = request.kind == WriteRequest::Kind::kDelete;
      if (!row.has_value()) {
        return absl::NotFoundError(absl::StrCat(
            request.table, " ", request.row_id, " does not exist"));
      }
      if (is_delete && deleted && !request.allow_backward) {
        return absl::NotFoundError(absl::StrCat(
            request.table, " ", request.row_id, " is already deleted"));
      }
      if (!is_delete && !deleted) {
        return absl::FailedPreconditionError(absl::StrCat(
            request.table, " ", request.row_id, " is not deleted"));
      }
      // Writes sorted by field name: "_deleted" sorts before [a-z] fields.
      FieldWrite* w = add_write(kDeletedField, BoolValue(is_delete));
      if (is_delete) {
        for (const FieldState& f : row->fields()) {
          if (f.field() == kDeletedField) continue;
          for (const Sibling& s : f.siblings()) *w->add_context() = s.dot();
        }
      }
      for (const auto& [name, value] : fields) add_write(name, value);
      break;
    }
  }
  change.mutable_dot()->set_origin(replica_id_);
  change.mutable_dot()->set_seq(txn.vv.Get(replica_id_) + 1);
  change.set_hlc(clock_.Now());
  return change;
}

absl::Status Store::ValidateChange(const Change& change) const {
  if (change.dot().origin().empty() || change.dot().seq() == 0) {
    return absl::InvalidArgumentError("change has no dot (origin, seq)");
  }
  const TableDef* table = options_.schema.table(change.table());
  if (table == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown table \"", change.table(), "\" (a newer schema?)"));
  }
  if (change.row_id().empty() || change.row_id().size() > 200) {
    return absl::InvalidArgumentError(
        absl::StrCat(change.table(), ": row id must be 1-200 bytes"));
  }
  if (change.scope().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(change.table(), " ", change.row_id(), ": no scope"));
  }
  if (change.writes_size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(change.table(), " ", change.row_id(), ": no writes"));
  }
  for (int i = 0; i < change.writes_size(); ++i) {
    const FieldWrite& w = change.writes(i);
    if (i > 0 && !(change.writes(i - 1).field() < w.field())) {
      return absl::InvalidArgumentError(absl::StrCat(
          change.table(), ": writes not sorted or repeated at ", w.field()));
    }
    if (w.field() == kDeletedField) {
      if (table->is_insert_only() ||
          w.value().kind_case() != Value::kBoolValue) {
        return absl::InvalidArgumentError(
            absl::StrCat(change.table(), ": invalid _deleted write"));
      }
      continue;
    }
    const FieldDef* def = table->field(w.field());
    if (def == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          change.table(), ".", w.field(), ": unknown field (a newer schema?)"));
    }
    RETURN_IF_ERROR(CheckValueType(*table, *def, w.value()));
    if (table->is_insert_only() &&
        (w.supersedes_size() > 0 || w.context_size() > 0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          change.table(), " is insert-only: a write cannot supersede"));
    }
  }
  if (table->policy == MergePolicy::kLedger) {
    bool has_amount = false;
    for (const FieldWrite& w : change.writes()) {
      if (w.field() == table->amount_field &&
          w.value().kind_case() != Value::KIND_NOT_SET) {
        has_amount = true;
      }
    }
    if (!has_amount) {
      return absl::InvalidArgumentError(
          absl::StrCat(change.table(), ".", table->amount_field, ": required"));
    }
  }
  return absl::OkStatus();
}

}  // namespace outpost::sync
