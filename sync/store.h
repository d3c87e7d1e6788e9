// Store: one node's replica on one SQLite file. The engine's public face.
//
//   StoreOptions options;
//   options.path = "/var/lib/outpost/yatai.db";
//   options.node_id = "yatai";
//   options.scopes = ScopeSet::Of({"yatai"});
//   options.schema = MySchema();
//   ASSIGN_OR_RETURN(auto store, Store::Open(options));
//   WriteRequest w{.table = "residents", .row_id = id, .scope = "yatai"};
//   w.Set("phone", TextValue("13800000000"));
//   ASSIGN_OR_RETURN(WriteResult r, store->Write(w));   // durable on return
//
// Storage format (all sync metadata beside the user tables):
//   <table>(id TEXT PRIMARY KEY, scope TEXT, <fields>) WITHOUT ROWID
//                 current shown values; deleted rows are absent.
//   _meta(tbl, row_id, scope, state BLOB, hash BLOB)  RowState of register /
//                 state_machine rows (siblings, tombstones); hash = its digest.
//   _log(lsn INTEGER PRIMARY KEY, origin, seq, scope, change BLOB)  every
//                 change applied here, local or remote, in apply order (which
//                 is causal). Peers are served from it.
//   _vv(origin PRIMARY KEY, seq)  this node's version vector.
//   _digests(tbl, scope, lo, hi, rows)  XOR digest per (table, scope).
//   _conflicts(id PRIMARY KEY, tbl, row_id, scope, field, kind)  derived.
//   _pending(origin, seq, change, hold_until_ms)  remote changes waiting for
//                 causal readiness, or for our clock (hold_until_ms).
//   _quarantine(id, ...)  remote changes refused (kept, listable, retryable).
//   _kv(key PRIMARY KEY, value)  node_id, hlc.
//
// Invariants: a change is applied at most once (vv); for each origin, changes
// are applied in seq order except across gaps the sender vouched for (a peer
// covering our scopes skips only what is outside them); every transaction
// updates rows, metadata, log, vv and digests together.
//
// Thread-safety: all methods may be called from any thread. Writes from many
// threads are grouped into shared transactions (group commit); everything else
// is serialized on one connection.
#ifndef OUTPOST_SYNC_STORE_H_
#define OUTPOST_SYNC_STORE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "outpost/v1/sync.pb.h"
#include "sync/clock.h"
#include "sync/digest.h"
#include "sync/merge.h"
#include "sync/replica.h"
#include "sync/schema.h"
#include "sync/scope.h"
#include "sync/sqlite.h"
#include "sync/version_vector.h"

namespace outpost::sync {

Value IntValue(int64_t v);
Value RealValue(double v);
Value TextValue(std::string v);
Value BoolValue(bool v);
Value BytesValue(std::string v);
Value NullValue();

// The domain's rules for a replicated row, which the engine does not know
// (what a row's scope must be, ids derived from fields, value ranges).
// Called for every remote change that passed the engine's own checks, before
// it is applied; `current` reads the row's shown values (nullopt when the row
// is new or deleted) only if the check needs them. A refusal (INVALID_ARGUMENT
// or FAILED_PRECONDITION naming the field and the reason) quarantines the
// change; any other error fails the batch. Runs under the store's write lock:
// it must not call the Store.
using RowValuesReader = absl::FunctionRef<
    absl::StatusOr<std::optional<std::map<std::string, outpost::v1::Value>>>()>;
using RemoteRowCheck = std::function<absl::Status(
    const outpost::v1::Change& change, RowValuesReader current)>;

struct StoreOptions {
  std::string path;
  std::string node_id;
  ScopeSet scopes = ScopeSet::All();
  Schema schema;
  PhysicalClock* clock = PhysicalClock::Real();
  bool synchronous_full = true;
  // Most local writes committed in one group.
  int max_group = 256;
  // Domain rules for replicated rows; unset = the engine's checks only.
  RemoteRowCheck remote_row_check;
  // This replica's id, the origin of its changes (sync/replica.h). Empty:
  // a fresh one is minted at every open, which is what keeps a restored or
  // copied file from reusing dots. Tests set it to replay a schedule, or to
  // reproduce a reused origin on purpose.
  std::string replica_id;
  // A remote change dated further ahead of our clock than this is held in
  // quarantine (never moving our clock) until time catches up.
  int64_t max_clock_skew_ms = HybridClock::kDefaultMaxAheadMs;
};

// One local write: fields of one row, or a delete / restore.
struct WriteRequest {
  enum class Kind { kUpsert, kDelete, kRestore };
  std::string table;
  std::string row_id;
  // Required when the row is new; must match the row's scope otherwise.
  std::string scope;
  Kind kind = Kind::kUpsert;
  std::vector<std::pair<std::string, Value>> fields;
  std::string author;
  // State fields only: allow moving back (an explicit operator action).
  bool allow_backward = false;
  // Insert-only tables: an identical existing row is not an error.
  bool idempotent = false;

  WriteRequest& Set(std::string field, Value value) {
    fields.emplace_back(std::move(field), std::move(value));
    return *this;
  }
};

struct WriteResult {
  Dot dot;
  uint64_t hlc = 0;
  // Insert-only with idempotent: the row already existed unchanged.
  bool existed = false;
};

// Who sent a batch: used to authorize and to decide which gaps are safe.
// `node_id` and `scopes` come from what the transport proved (certificate),
// not from what the peer claims.
struct PeerInfo {
  std::string node_id;
  ScopeSet scopes;
  // May send changes of other nodes' replicas (this node's upstream, or a
  // configured relay). Otherwise a change is accepted only from the node its
  // origin names (sync/replica.h).
  bool relay = false;
  // True when the change's origin is the peer's to send.
  bool MaySend(absl::string_view origin) const;
};

struct ApplyResult {
  int applied = 0;
  int duplicates = 0;     // already seen
  int pending = 0;        // waiting for causally earlier changes
  int quarantined = 0;    // refused, kept in _quarantine
  int released = 0;       // earlier pending changes applied now
  int skew_warnings = 0;  // held: dated too far ahead of our clock
  // Not the peer's to send (origin authority): dropped, the vv untouched.
  int refused = 0;
  // A dot we hold with other content (a reused origin): quarantined.
  int dot_conflicts = 0;
  // Ledger balances that are negative after this batch: "table/key=value".
  std::vector<std::string> negative_balances;
};

struct ExtractRequest {
  VersionVector peer_vv;
  ScopeSet peer_scopes;
  // Resume point in our log: 0 = compute from peer_vv.
  int64_t after_lsn = 0;
  int max_changes = 1000;
  int64_t max_bytes = 1 << 20;
  // Return the changes as one serialized ChangeList (straight from the log's
  // stored bytes, not parsed) instead of as messages.
  bool serialized = false;
};

struct ExtractResult {
  std::vector<Change> changes;  // unless `serialized` was asked for
  std::string change_list;      // if it was: a serialized ChangeList
  int count = 0;                // changes returned, in either form
  // The (origin, seq) of each change returned, in order.
  std::vector<std::pair<std::string, uint64_t>> dots;
  int64_t next_lsn = 0;  // pass back as after_lsn
  int64_t bytes = 0;
  // Set when the scan reached the end of the log: our vv at that point.
  std::optional<VersionVector> watermark;
};

struct DigestEntry {
  std::string table;
  std::string scope;
  Digest128 digest;
  int64_t rows = 0;
  bool operator==(const DigestEntry& o) const {
    return table == o.table && scope == o.scope && digest == o.digest &&
           rows == o.rows;
  }
};

struct ConflictValue {
  Dot dot;
  uint64_t hlc = 0;
  Value value;
  std::string author;
  bool shown = false;
  // kDeleteVsUpdate: the field this sibling writes ("_deleted" for deletes).
  std::string field;
};

struct Conflict {
  std::string id;
  std::string table;
  std::string row_id;
  std::string scope;
  std::string field;
  ConflictKind kind = ConflictKind::kValue;
  // Explanation: every competing value, sorted by dot. `--pick=N` is 1-based
  // into this list.
  std::vector<ConflictValue> values;
};

struct ConflictFilter {
  std::string table;
  std::string scope;
};

// How to settle a conflict. Value conflicts: pick one of the values (1-based)
// or give a new one. Delete-vs-update: keep_deleted or restore.
struct Resolution {
  int pick = 0;
  std::optional<Value> value;
  enum class RowAction {
    kNone,
    kKeepDeleted,
    kRestore
  } row_action = RowAction::kNone;
  std::string reason;
  std::string author;
};

struct QuarantineEntry {
  int64_t id = 0;
  std::string peer;
  std::string reason;
  int code = 0;  // absl::StatusCode
  Change change;
  int64_t received_ms = 0;
};

// Changes a peer sent that were not its to send, per (peer, reason).
struct PeerRefusal {
  std::string peer;
  std::string reason;
  int64_t count = 0;
};

class Store {
 public:
  static constexpr uint32_t kProtocolVersion = 1;

  // Opens (creating if needed) the replica. FAILED_PRECONDITION if the file
  // belongs to another node id; DATA_LOSS if it fails quick_check.
  static absl::StatusOr<std::unique_ptr<Store>> Open(StoreOptions options);
  ~Store();

  // ---- Local writes ----
  // One atomic change, durable when this returns OK. Errors:
  // INVALID_ARGUMENT (unknown table/field, wrong type, bad state),
  // PERMISSION_DENIED (scope not held here), NOT_FOUND (delete of a missing
  // row, edit of a deleted row), ALREADY_EXISTS (insert-only row exists with
  // other content), FAILED_PRECONDITION (backward state move, scope mismatch).
  absl::StatusOr<WriteResult> Write(const WriteRequest& request);
  // Several changes in one transaction (all or nothing).
  absl::StatusOr<std::vector<WriteResult>> WriteAll(
      const std::vector<WriteRequest>& requests);
  // WriteAll without waiting: `done` runs once the changes are durable (or
  // refused), on the thread that committed them, outside the store's locks.
  // It must not block (finish an RPC, signal someone). Shares group commits
  // with synchronous writers. `done` runs exactly once, at the latest when
  // the Store is destroyed.
  using WriteCallback =
      std::function<void(absl::StatusOr<std::vector<WriteResult>>)>;
  void WriteAllAsync(std::vector<WriteRequest> requests, WriteCallback done);

  // ---- Replication ----
  // Applies a batch from `peer` in one transaction. Invalid or unauthorized
  // changes go to quarantine and do not fail the batch. `watermark` (when the
  // peer covers our scopes) marks everything up to it as seen.
  absl::StatusOr<ApplyResult> ApplyBatch(
      const PeerInfo& peer, const std::vector<Change>& changes,
      const std::optional<VersionVector>& watermark);
  // The same for a received Batch's changes, without copying them.
  absl::StatusOr<ApplyResult> ApplyBatch(
      const PeerInfo& peer,
      const google::protobuf::RepeatedPtrField<Change>& changes,
      const std::optional<VersionVector>& watermark);
  // What a peer lacks, from our log, in log order.
  absl::StatusOr<ExtractResult> Extract(const ExtractRequest& request);
  // How many log entries after `after_lsn` a peer with `scopes` that has
  // `have` still lacks, reading at most `max_rows` entries; nullopt when
  // there are more (then count another way).
  absl::StatusOr<std::optional<uint64_t>> CountLacking(
      int64_t after_lsn, const ScopeSet& scopes, const VersionVector& have,
      int64_t max_rows);
  VersionVector vv() const;
  int64_t LastLsn() const;
  // Calls `fn` after every commit that grew the log (from the committing
  // thread, with no Store lock held; `fn` must be quick and must not call
  // back into the Store). Lets live sessions send new changes at once.
  // Returns an id for RemoveLogListener.
  int AddLogListener(std::function<void()> fn);
  void RemoveLogListener(int id);

  // ---- Reads ----
  // The merged state of a row (siblings included); NOT_FOUND if unknown.
  absl::StatusOr<RowState> ReadRow(const std::string& table,
                                   const std::string& row_id);
  // Shown values of a live row (register) or the row (insert-only).
  absl::StatusOr<std::map<std::string, Value>> ReadValues(
      const std::string& table, const std::string& row_id);
  absl::StatusOr<std::vector<DigestEntry>> Digests();
  // Runs `fn` with the database under the store lock (reports, queries).
  // The callback must not call back into the Store.
  absl::Status WithDatabase(const std::function<absl::Status(Database*)>& fn);
  // Runs `fn` on a second, read-only connection: reads never wait for a
  // commit (WAL) and see everything committed before they start. For
  // queries by services; the callback must not write or call the Store.
  absl::Status WithReader(const std::function<absl::Status(Database*)>& fn);

  // ---- Conflicts ----
  absl::StatusOr<std::vector<Conflict>> ListConflicts(
      const ConflictFilter& filter = {});
  absl::StatusOr<Conflict> ExplainConflict(const std::string& id);
  // Writes the superseding change and a sys_resolutions row together.
  // NOT_FOUND when the conflict no longer exists (already resolved).
  absl::StatusOr<WriteResult> ResolveConflict(const std::string& id,
                                              const Resolution& resolution);

  // ---- Quarantine ----
  absl::StatusOr<std::vector<QuarantineEntry>> ListQuarantine();
  // Validates again and applies (after an upgrade, a scope change).
  // `record`, when given, is written in the same transaction (the operator's
  // audit entry): the action and its record commit together or not at all.
  absl::Status RetryQuarantined(int64_t id,
                                const WriteRequest* record = nullptr);
  absl::Status DiscardQuarantined(int64_t id,
                                  const WriteRequest* record = nullptr);

  // ---- Repair ----
  // Applies a re-sent log of one scope from `peer` in one transaction. Unlike
  // ApplyBatch, a change our vv counts as seen but that never reached our log
  // (quarantined and discarded here, or vouched for by a watermark and then
  // retried elsewhere) is validated and applied now; one still refused is
  // quarantined again (once). Changes in our log are duplicates.
  absl::StatusOr<ApplyResult> ApplyRepair(const PeerInfo& peer,
                                          const std::vector<Change>& changes);

  // Applies the remote changes held for their timestamps (see
  // StoreOptions::max_clock_skew_ms) whose time has come, and what waited
  // behind them; returns how many were applied. Cheap when none is due:
  // call it often (the session driver does, every ~200 ms).
  absl::StatusOr<int> RetryDueHeld();
  // Remote changes dropped because the sender could not send them.
  std::vector<PeerRefusal> Refusals() const;
  // Changes refused because their dot was already bound to other content.
  int64_t dot_conflicts() const;

  // Ledger balances below zero, "table/k1=v1,k2=v2: -3".
  absl::StatusOr<std::vector<std::string>> NegativeBalances();

  const std::string& node_id() const { return options_.node_id; }
  // The origin of this replica's changes (sync/replica.h).
  const std::string& replica_id() const { return replica_id_; }
  const ScopeSet& scopes() const { return options_.scopes; }
  const Schema& schema() const { return options_.schema; }
  HybridClock& clock() { return clock_; }
  int64_t pending_count() const;

  // Test hook: ApplyBatch runs everything and then "crashes" (rolls back
  // without committing, as a killed process would) while this is set.
  void set_fail_before_commit_for_test(bool fail) {
    fail_before_commit_for_test_ = fail;
  }

 private:
  class Txn;  // per-transaction overlay of vv/digests (store_txn.h)
  struct QueuedWrite;

  explicit Store(StoreOptions options);
  absl::Status Init();
  absl::Status LoadState() ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  // next_hold_ms_ from _pending.
  absl::Status LoadNextHold() ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);

  // Runs `fn` inside one transaction with a fresh overlay; commits vv,
  // digests and hlc together and publishes them only after COMMIT succeeds.
  absl::Status RunTxn(const std::function<absl::Status(Txn&)>& fn,
                      bool fail_before_commit = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);

  // Builds, validates and applies one local write inside `txn`.
  absl::StatusOr<WriteResult> WriteInTxn(Txn& txn, const WriteRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  // Builds the change for a local request. `current` receives the row's
  // stored state as read (register tables), so applying need not read it
  // again.
  absl::StatusOr<Change> BuildLocalChange(Txn& txn, const WriteRequest& request,
                                          bool* existed,
                                          std::optional<RowState>* current)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  // Structural and schema validation of any change (local or remote).
  absl::Status ValidateChange(const Change& change) const;
  // Applies a validated change: rows, meta, conflicts, digests, log, vv.
  // `current`, when given, is the row's stored state already read in this
  // transaction (it is consumed); otherwise it is read here.
  absl::Status ApplyChange(Txn& txn, const Change& change,
                           std::optional<RowState>* current = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  absl::Status ApplyInsertOnly(Txn& txn, const TableDef& table,
                               const Change& change)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  absl::Status ApplyRegister(Txn& txn, const TableDef& table,
                             const Change& change,
                             std::optional<RowState>* current)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  absl::Status WriteShownRow(const TableDef& table, const RowState& row)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  absl::Status UpdateConflicts(const TableDef& table, const RowState& row)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  absl::StatusOr<std::optional<RowState>> LoadRowState(
      const std::string& table, const std::string& row_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  // A row of a table as (scope, field -> value); nullopt when absent.
  using RowValues =
      std::optional<std::pair<std::string, std::map<std::string, Value>>>;
  absl::StatusOr<RowValues> ReadValuesLocked(const TableDef& table,
                                             const std::string& row_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  // The same on any connection (the caller holds that connection's lock).
  absl::StatusOr<RowValues> ReadValuesOn(Database* db, const TableDef& table,
                                         const std::string& row_id) const;
  absl::Status AppendLog(Txn& txn, const Change& change)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  absl::Status Quarantine(const PeerInfo& peer, const Change& change,
                          const absl::Status& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  // Counts and logs (once per peer and reason) a change the peer could not
  // send; nothing is stored and the vv does not move.
  void Refuse(const PeerInfo& peer, const Change& change,
              absl::string_view reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  // A change whose dot we already hold: OK when it is the same change;
  // otherwise it is quarantined as a dot bound to two contents.
  absl::Status CheckDuplicate(const PeerInfo& peer, const Change& change,
                              ApplyResult* result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);

  // Remote: decides seen / ready / pending and applies or parks the change.
  // Applies a change `peer` sent if the peer may write its scope, this node
  // holds it and it is valid; else `refused` says why (to quarantine it
  // with), OK when applied. An error fails the whole batch (I/O).
  absl::Status ApplyRemote(Txn& txn, const PeerInfo& peer, const Change& change,
                           absl::Status* refused)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  absl::Status OfferRemote(Txn& txn, const PeerInfo& peer, bool peer_covers,
                           const Change& change, ApplyResult* result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  absl::StatusOr<ApplyResult> ApplyBatchImpl(
      const PeerInfo& peer, size_t count,
      absl::FunctionRef<const Change&(size_t)> change_at,
      const std::optional<VersionVector>& watermark);
  absl::Status ReleasePending(Txn& txn, ApplyResult* result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  absl::StatusOr<std::vector<std::string>> NegativeBalancesLocked(
      const std::set<std::string>* tables)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  absl::StatusOr<Conflict> ExplainLocked(const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);

  // Group commit: the writer at the front of the queue leads, committing up
  // to max_group queued writes in one transaction. A synchronous writer leads
  // its own group; the committer thread leads when the front is asynchronous.
  absl::Status CommitGroup(std::vector<QueuedWrite*>& group);
  // Commits one group starting at the queue's front; finished asynchronous
  // writes are moved to `finished` for their callbacks to run after unlock.
  void LeadGroup(std::vector<QueuedWrite*>* finished)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_);
  // Wakes whoever leads the queue's new front.
  void SignalFront() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_);
  void CommitterLoop();

  // SQL text per table, built once at open (statements are cached by text).
  struct TableSql {
    std::string insert_once;  // INSERT ... ON CONFLICT DO NOTHING
    std::string upsert;       // INSERT ... ON CONFLICT DO UPDATE
    std::string select;       // SELECT scope, fields... WHERE id = ?1
    std::string remove;       // DELETE ... WHERE id = ?1
  };
  const TableSql& Sql(const TableDef& table) const {
    return table_sql_.find(table.name)->second;
  }

  const StoreOptions options_;
  const std::string replica_id_;
  HybridClock clock_;
  std::map<std::string, TableSql, std::less<>> table_sql_;

  mutable absl::Mutex db_mu_;
  std::unique_ptr<Database> db_ ABSL_GUARDED_BY(db_mu_);
  mutable absl::Mutex read_mu_;
  std::unique_ptr<Database> reader_ ABSL_GUARDED_BY(read_mu_);
  VersionVector vv_ ABSL_GUARDED_BY(db_mu_);
  std::map<std::pair<std::string, std::string>, DigestEntry> digests_
      ABSL_GUARDED_BY(db_mu_);
  int64_t last_lsn_ ABSL_GUARDED_BY(db_mu_) = 0;
  int64_t pending_count_ ABSL_GUARDED_BY(db_mu_) = 0;
  // Earliest hold_until_ms in _pending (INT64_MAX: none held). Written
  // under db_mu_; read without it, so polling RetryDueHeld never waits for
  // a commit. A held change parked by a transaction that then rolled back
  // only makes the next poll look in vain.
  std::atomic<int64_t> next_hold_ms_{INT64_MAX};
  std::map<std::pair<std::string, std::string>, int64_t> refusals_
      ABSL_GUARDED_BY(db_mu_);
  int64_t dot_conflicts_ ABSL_GUARDED_BY(db_mu_) = 0;
  bool fail_before_commit_for_test_ = false;

  absl::Mutex listeners_mu_;
  std::map<int, std::function<void()>> listeners_
      ABSL_GUARDED_BY(listeners_mu_);
  int next_listener_ ABSL_GUARDED_BY(listeners_mu_) = 1;
  // Set by RunTxn when a commit grew the log; listeners run after db_mu_ is
  // released (NotifyLogListeners).
  bool log_grew_ ABSL_GUARDED_BY(db_mu_) = false;
  void NotifyLogListeners() ABSL_LOCKS_EXCLUDED(db_mu_);
  // Declared before a MutexLock on db_mu_, so it runs after the unlock.
  struct NotifyOnExit {
    Store* store;
    ~NotifyOnExit() { store->NotifyLogListeners(); }
  };

  absl::Mutex queue_mu_;
  std::deque<QueuedWrite*> queue_ ABSL_GUARDED_BY(queue_mu_);
  // Writers in the last two groups, to size the wait for the next one.
  size_t last_group_sizes_[2] ABSL_GUARDED_BY(queue_mu_) = {0, 0};
  // Commits slower than this are logged (at most one warning per 10 s).
  static constexpr absl::Duration kSlowCommit = absl::Milliseconds(500);
  absl::Time last_slow_warning_ ABSL_GUARDED_BY(queue_mu_) =
      absl::InfinitePast();
  // The committer thread, started by the first asynchronous write.
  absl::CondVar committer_cv_;
  bool committer_stop_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::thread committer_ ABSL_GUARDED_BY(queue_mu_);
};

}  // namespace outpost::sync

#endif  // OUTPOST_SYNC_STORE_H_
