// Store: extraction for peers, reads, digests, conflicts, quarantine, ledger
// balances.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "sync/logging.h"
#include "sync/status_macros.h"
#include "sync/store.h"
#include "sync/store_txn.h"

namespace outpost::sync {

VersionVector Store::vv() const {
  absl::MutexLock lock(&db_mu_);
  return vv_;
}

int64_t Store::LastLsn() const {
  absl::MutexLock lock(&db_mu_);
  return last_lsn_;
}

absl::StatusOr<std::optional<uint64_t>> Store::CountLacking(
    int64_t after_lsn, const ScopeSet& scopes, const VersionVector& have,
    int64_t max_rows) {
  std::optional<uint64_t> lacking = 0;
  RETURN_IF_ERROR(WithReader([&](Database* db) -> absl::Status {
    Statement& st = db->Cached(
        "SELECT origin, seq, scope FROM _log WHERE lsn > ?1 ORDER BY lsn "
        "LIMIT ?2");
    st.BindInt(1, after_lsn);
    st.BindInt(2, max_rows + 1);
    int64_t rows = 0;
    absl::Status status;
    while (true) {
      absl::StatusOr<bool> row = st.Step();
      if (!row.ok()) status = row.status();
      if (!row.ok() || !*row) break;
      if (++rows > max_rows) {
        lacking.reset();
        break;
      }
      if (static_cast<uint64_t>(st.ColumnInt(1)) > have.Get(st.ColumnText(0)) &&
          scopes.Contains(st.ColumnText(2))) {
        ++*lacking;
      }
    }
    st.Reset();
    return status;
  }));
  return lacking;
}

int Store::AddLogListener(std::function<void()> fn) {
  absl::MutexLock lock(&listeners_mu_);
  const int id = next_listener_++;
  listeners_.emplace(id, std::move(fn));
  return id;
}

void Store::RemoveLogListener(int id) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.erase(id);
}

void Store::NotifyLogListeners() {
  {
    absl::MutexLock lock(&db_mu_);
    if (!log_grew_) return;
    log_grew_ = false;
  }
  absl::MutexLock lock(&listeners_mu_);
  for (const auto& [id, fn] : listeners_) fn();
}

int64_t Store::pending_count() const {
  absl::MutexLock lock(&db_mu_);
  return pending_count_;
}

absl::StatusOr<ExtractResult> Store::Extract(const ExtractRequest& request) {
  absl::MutexLock lock(&db_mu_);
  ExtractResult out;
  int64_t after = request.after_lsn;
  if (after <= 0) {
    // Start at the first log entry the peer has not seen, over all origins.
    after = last_lsn_;
    for (const auto& [origin, seq] : vv_.entries()) {
      if (request.peer_vv.Get(origin) >= seq) continue;
      Statement& st = db_->Cached(
          "SELECT MIN(lsn) FROM _log WHERE origin = ?1 AND seq > ?2");
      st.BindText(1, origin);
      st.BindInt(2, static_cast<int64_t>(request.peer_vv.Get(origin)));
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (row && !st.ColumnIsNull(0))
        after = std::min(after, st.ColumnInt(0) - 1);
      st.Reset();
    }
  }
  out.next_lsn = after;
  const int chunk = std::max(64, request.max_changes);
  bool at_end = false;
  while (out.count < request.max_changes && out.bytes < request.max_bytes) {
    Statement& st = db_->Cached(
        "SELECT lsn, origin, seq, scope, change FROM _log WHERE lsn > ?1 "
        "ORDER BY lsn LIMIT ?2");
    st.BindInt(1, out.next_lsn);
    st.BindInt(2, chunk);
    int scanned = 0;
    bool full = false;
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      ++scanned;
      const int64_t lsn = st.ColumnInt(0);
      const std::string origin = st.ColumnText(1);
      const uint64_t seq = static_cast<uint64_t>(st.ColumnInt(2));
      if (seq > request.peer_vv.Get(origin) &&
          request.peer_scopes.Contains(st.ColumnText(3))) {
        const absl::string_view blob = st.ColumnBlob(4);
        if (out.count > 0 &&
            out.bytes + static_cast<int64_t>(blob.size()) > request.max_bytes) {
          full = true;
          break;
        }
        if (request.serialized) {
          // ChangeList field 1 (length-delimited): tag 0x0A, varint length,
          // then the stored Change bytes as they are.
          out.change_list.push_back('\x0a');
          uint64_t n = blob.size();
          while (n >= 0x80) {
            out.change_list.push_back(static_cast<char>((n & 0x7f) | 0x80));
            n >>= 7;
          }
          out.change_list.push_back(static_cast<char>(n));
          out.change_list.append(blob.data(), blob.size());
        } else {
          Change change;
          if (!change.ParseFromArray(blob.data(),
                                     static_cast<int>(blob.size()))) {
            return absl::DataLossError(
                absl::StrCat("log entry ", lsn, " does not parse"));
          }
          out.changes.push_back(std::move(change));
        }
        out.bytes += static_cast<int64_t>(blob.size());
        out.dots.emplace_back(origin, seq);
        ++out.count;
      }
      out.next_lsn = lsn;
      if (out.count >= request.max_changes) {
        full = true;
        break;
      }
    }
    st.Reset();
    if (full) break;
    if (scanned < chunk) {
      at_end = true;
      break;
    }
  }
  if (!at_end && out.next_lsn >= last_lsn_) at_end = true;
  if (at_end) out.watermark = vv_;
  return out;
}

absl::StatusOr<RowState> Store::ReadRow(const std::string& table,
                                        const std::string& row_id) {
  absl::MutexLock lock(&db_mu_);
  const TableDef* def = options_.schema.table(table);
  if (def == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown table ", table));
  }
  if (def->is_insert_only()) {
    ASSIGN_OR_RETURN(auto values, ReadValuesLocked(*def, row_id));
    if (!values.has_value()) {
      return absl::NotFoundError(
          absl::StrCat(table, " ", row_id, " not found"));
    }
    RowState row;
    row.set_table(table);
    row.set_row_id(row_id);
    row.set_scope(values->first);
    for (const auto& [name, value] : values->second) {
      if (value.kind_case() == Value::KIND_NOT_SET) continue;
      auto* f = row.add_fields();
      f->set_field(name);
      *f->add_siblings()->mutable_value() = value;
    }
    return row;
  }
  ASSIGN_OR_RETURN(std::optional<RowState> row, LoadRowState(table, row_id));
  if (!row.has_value()) {
    return absl::NotFoundError(absl::StrCat(table, " ", row_id, " not found"));
  }
  return *std::move(row);
}

absl::StatusOr<std::map<std::string, Value>> Store::ReadValues(
    const std::string& table, const std::string& row_id) {
  absl::MutexLock lock(&read_mu_);
  const TableDef* def = options_.schema.table(table);
  if (def == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown table ", table));
  }
  ASSIGN_OR_RETURN(auto values, ReadValuesOn(reader_.get(), *def, row_id));
  if (!values.has_value()) {
    return absl::NotFoundError(absl::StrCat(table, " ", row_id, " not found"));
  }
  return values->second;
}

absl::Status Store::WithReader(
    const std::function<absl::Status(Database*)>& fn) {
  absl::MutexLock lock(&read_mu_);
  return fn(reader_.get());
}

absl::StatusOr<std::vector<DigestEntry>> Store::Digests() {
  absl::MutexLock lock(&db_mu_);
  std::vector<DigestEntry> out;
  for (const auto& [key, e] : digests_) {
    if (e.rows != 0 || !e.digest.zero()) out.push_back(e);
  }
  return out;
}

absl::Status Store::WithDatabase(
    const std::function<absl::Status(Database*)>& fn) {
  absl::MutexLock lock(&db_mu_);
  return fn(db_.get());
}

// ---- Conflicts ----

absl::StatusOr<Conflict> Store::ExplainLocked(const std::string& id) {
  Statement& st =
      db_->Cached("SELECT tbl, row_id FROM _conflicts WHERE id = ?1");
  st.BindText(1, id);
  ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("conflict ", id, " not found (resolved already?)"));
  }
  const std::string table_name = st.ColumnText(0);
  const std::string row_id = st.ColumnText(1);
  st.Reset();
  const TableDef* table = options_.schema.table(table_name);
  ASSIGN_OR_RETURN(std::optional<RowState> row,
                   LoadRowState(table_name, row_id));
  if (table == nullptr || !row.has_value()) {
    return absl::DataLossError(
        absl::StrCat("conflict ", id, " names a missing row"));
  }
  for (const ConflictInfo& info : DeriveConflicts(*table, *row)) {
    if (info.id != id) continue;
    Conflict c;
    c.id = id;
    c.table = table_name;
    c.row_id = row_id;
    c.scope = row->scope();
    c.field = info.field;
    c.kind = info.kind;
    for (const Dot& dot : info.dots) {
      for (const FieldState& f : row->fields()) {
        for (const Sibling& s : f.siblings()) {
          if (!DotEqual(s.dot(), dot)) continue;
          if (info.kind == ConflictKind::kValue && f.field() != info.field)
            continue;
          ConflictValue v;
          v.dot = s.dot();
          v.hlc = s.hlc();
          v.value = s.value();
          v.author = s.author();
          v.field = f.field();
          const Sibling* shown =
              ShownSibling(table->field(f.field()), *table, f);
          v.shown = info.kind == ConflictKind::kValue
                        ? (shown != nullptr && DotEqual(shown->dot(), s.dot()))
                        : f.field() == kDeletedField;
          c.values.push_back(std::move(v));
        }
      }
    }
    return c;
  }
  return absl::DataLossError(absl::StrCat("conflict ", id, " is stale"));
}

absl::StatusOr<std::vector<Conflict>> Store::ListConflicts(
    const ConflictFilter& filter) {
  absl::MutexLock lock(&db_mu_);
  std::vector<std::string> ids;
  Statement& st = db_->Cached(
      "SELECT id FROM _conflicts WHERE (?1 = '' OR tbl = ?1) AND "
      "(?2 = '' OR scope = ?2) ORDER BY id");
  st.BindText(1, filter.table);
  st.BindText(2, filter.scope);
  while (true) {
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    ids.push_back(st.ColumnText(0));
  }
  std::vector<Conflict> out;
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(Conflict c, ExplainLocked(id));
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<Conflict> Store::ExplainConflict(const std::string& id) {
  absl::MutexLock lock(&db_mu_);
  return ExplainLocked(id);
}

absl::StatusOr<WriteResult> Store::ResolveConflict(
    const std::string& id, const Resolution& resolution) {
  if (resolution.reason.empty()) {
    return absl::InvalidArgumentError("reason: required to resolve a conflict");
  }
  NotifyOnExit notify{this};
  absl::MutexLock lock(&db_mu_);
  ASSIGN_OR_RETURN(Conflict conflict, ExplainLocked(id));
  WriteRequest fix;
  fix.table = conflict.table;
  fix.row_id = conflict.row_id;
  fix.author = resolution.author;
  std::string chosen;
  if (conflict.kind == ConflictKind::kDeleteVsUpdate) {
    if (resolution.row_action == Resolution::RowAction::kNone) {
      return absl::InvalidArgumentError(
          "a delete-vs-edit conflict is settled by keeping the row deleted or "
          "restoring it");
    }
    const bool keep =
        resolution.row_action == Resolution::RowAction::kKeepDeleted;
    fix.kind =
        keep ? WriteRequest::Kind::kDelete : WriteRequest::Kind::kRestore;
    fix.allow_backward = true;  // re-delete an already deleted row
    chosen = keep ? "keep deleted" : "restore";
  } else {
    Value value;
    if (resolution.value.has_value()) {
      value = *resolution.value;
    } else if (resolution.pick >= 1 &&
               resolution.pick <= static_cast<int>(conflict.values.size())) {
      value = conflict.values[resolution.pick - 1].value;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "pick: must be 1..", conflict.values.size(), " or give a value"));
    }
    chosen = ValueToString(value);
    if (conflict.field == kDeletedField) {
      if (value.kind_case() != Value::kBoolValue) {
        return absl::InvalidArgumentError(
            "value: _deleted takes true or false");
      }
      fix.kind = value.bool_value() ? WriteRequest::Kind::kDelete
                                    : WriteRequest::Kind::kRestore;
      fix.allow_backward = true;
    } else {
      fix.Set(conflict.field, value);
      fix.allow_backward = true;
    }
  }
  WriteResult result;
  RETURN_IF_ERROR(RunTxn([&](Txn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(result, WriteInTxn(txn, fix));
    WriteRequest record;
    record.table = kResolutionsTable;
    record.row_id =
        absl::StrCat(id, "/", result.dot.origin(), "/", result.dot.seq());
    record.scope = conflict.scope;
    record.author = resolution.author;
    record.Set("conflict_id", TextValue(id))
        .Set("target_table", TextValue(conflict.table))
        .Set("target_row", TextValue(conflict.row_id))
        .Set("field", TextValue(conflict.field))
        .Set("kind", TextValue(ConflictKindName(conflict.kind)))
        .Set("chosen", TextValue(chosen))
        .Set("reason", TextValue(resolution.reason))
        .Set("author", TextValue(resolution.author))
        .Set("at_ms", IntValue(HlcPhysicalMs(result.hlc)));
    return WriteInTxn(txn, record).status();
  }));
  return result;
}

// ---- Quarantine ----

absl::StatusOr<std::vector<QuarantineEntry>> Store::ListQuarantine() {
  absl::MutexLock lock(&db_mu_);
  std::vector<QuarantineEntry> out;
  Statement& st = db_->Cached(
      "SELECT id, peer, code, reason, change, received_ms FROM _quarantine "
      "ORDER BY id");
  while (true) {
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    QuarantineEntry e;
    e.id = st.ColumnInt(0);
    e.peer = st.ColumnText(1);
    e.code = static_cast<int>(st.ColumnInt(2));
    e.reason = st.ColumnText(3);
    const absl::string_view blob = st.ColumnBlob(4);
    e.change.ParseFromArray(blob.data(), static_cast<int>(blob.size()));
    e.received_ms = st.ColumnInt(5);
    out.push_back(std::move(e));
  }
  return out;
}

absl::Status Store::RetryQuarantined(int64_t id, const WriteRequest* record) {
  NotifyOnExit notify{this};
  absl::MutexLock lock(&db_mu_);
  Statement& st = db_->Cached(
      "SELECT change, peer, peer_scopes FROM _quarantine WHERE id = ?1");
  st.BindInt(1, id);
  ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found)
    return absl::NotFoundError(
        absl::StrCat("quarantine entry ", id, " not found"));
  Change change;
  const absl::string_view blob = st.ColumnBlob(0);
  if (!change.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return absl::DataLossError(
        absl::StrCat("quarantine entry ", id, " does not parse"));
  }
  // The sender's authority does not change with an upgrade; its origin
  // authority was checked when the change arrived.
  const PeerInfo peer{st.ColumnText(1),
                      ScopeSet::Of(absl::StrSplit(st.ColumnText(2), ',')),
                      /*relay=*/true};
  st.Reset();
  return RunTxn([&](Txn& txn) -> absl::Status {
    Statement& logged =
        db_->Cached("SELECT 1 FROM _log WHERE origin = ?1 AND seq = ?2");
    logged.BindText(1, change.dot().origin());
    logged.BindInt(2, static_cast<int64_t>(change.dot().seq()));
    ASSIGN_OR_RETURN(bool already, logged.Step());
    logged.Reset();
    if (!already) {
      // The same checks as on arrival: scopes, time, schema, domain rules.
      absl::Status refused;
      RETURN_IF_ERROR(ApplyRemote(txn, peer, change, &refused));
      RETURN_IF_ERROR(refused);
    }
    Statement& del = db_->Cached("DELETE FROM _quarantine WHERE id = ?1");
    del.BindInt(1, id);
    RETURN_IF_ERROR(del.Run());
    if (record != nullptr) RETURN_IF_ERROR(WriteInTxn(txn, *record).status());
    return absl::OkStatus();
  });
}

absl::StatusOr<int> Store::RetryDueHeld() {
  const int64_t now = options_.clock->NowMs();
  if (next_hold_ms_.load() > now) return 0;
  NotifyOnExit notify{this};
  absl::MutexLock lock(&db_mu_);
  ApplyResult result;
  // No batch may come to wake the held changes up: this does.
  RETURN_IF_ERROR(RunTxn(
      [&](Txn& txn) -> absl::Status { return ReleasePending(txn, &result); }));
  // What still waits for time (re-parked with its hold): the earliest.
  RETURN_IF_ERROR(LoadNextHold());
  if (result.released > 0) {
    OUTPOST_LOG(INFO) << result.released << " change(s) held for their "
                      << "timestamps applied: this node's time caught up";
  }
  return result.released;
}

std::vector<PeerRefusal> Store::Refusals() const {
  absl::MutexLock lock(&db_mu_);
  std::vector<PeerRefusal> out;
  for (const auto& [key, count] : refusals_) {
    out.push_back({key.first, key.second, count});
  }
  return out;
}

int64_t Store::dot_conflicts() const {
  absl::MutexLock lock(&db_mu_);
  return dot_conflicts_;
}

absl::Status Store::DiscardQuarantined(int64_t id, const WriteRequest* record) {
  NotifyOnExit notify{this};
  absl::MutexLock lock(&db_mu_);
  return RunTxn([&](Txn& txn) -> absl::Status {
    Statement& del = db_->Cached("DELETE FROM _quarantine WHERE id = ?1");
    del.BindInt(1, id);
    RETURN_IF_ERROR(del.Run());
    if (db_->Changes() == 0) {
      return absl::NotFoundError(
          absl::StrCat("quarantine entry ", id, " not found"));
    }
    if (record != nullptr) RETURN_IF_ERROR(WriteInTxn(txn, *record).status());
    return absl::OkStatus();
  });
}

absl::StatusOr<ApplyResult> Store::ApplyRepair(
    const PeerInfo& peer, const std::vector<Change>& changes) {
  NotifyOnExit notify{this};
  absl::MutexLock lock(&db_mu_);
  ApplyResult result;
  RETURN_IF_ERROR(RunTxn([&](Txn& txn) -> absl::Status {
    for (const Change& change : changes) {
      const Dot& dot = change.dot();
      if (!txn.vv.Seen(dot) || !peer.MaySend(dot.origin())) {
        RETURN_IF_ERROR(
            OfferRemote(txn, peer, /*peer_covers=*/false, change, &result));
        continue;
      }
      Statement& logged = db_->Cached(
          "SELECT 1 FROM _log WHERE origin = ?1 AND seq = ?2 UNION ALL "
          "SELECT 1 FROM _quarantine WHERE origin = ?1 AND seq = ?2");
      logged.BindText(1, dot.origin());
      logged.BindInt(2, static_cast<int64_t>(dot.seq()));
      ASSIGN_OR_RETURN(bool known, logged.Step());
      logged.Reset();
      if (known) {  // applied here, or already waiting for an operator
        ++result.duplicates;
        continue;
      }
      absl::Status refused;
      RETURN_IF_ERROR(ApplyRemote(txn, peer, change, &refused));
      if (refused.ok()) {
        ++result.applied;
        continue;
      }
      ++result.quarantined;
      RETURN_IF_ERROR(Quarantine(peer, change, refused));
    }
    return absl::OkStatus();
  }));
  return result;
}

// ---- Ledger ----

absl::StatusOr<std::vector<std::string>> Store::NegativeBalancesLocked(
    const std::set<std::string>* tables) {
  std::vector<std::string> out;
  for (const TableDef& table : options_.schema.tables()) {
    if (table.policy != MergePolicy::kLedger) continue;
    if (tables != nullptr && !tables->count(table.name)) continue;
    std::vector<std::string> key_cols;
    for (const std::string& k : table.key_fields)
      key_cols.push_back(QuoteId(k));
    const std::string keys = key_cols.empty()
                                 ? std::string("''")
                                 : absl::StrJoin(key_cols, " || ',' || ");
    const std::string group =
        key_cols.empty() ? std::string("1") : absl::StrJoin(key_cols, ", ");
    const std::string amount = QuoteId(table.amount_field);
    ASSIGN_OR_RETURN(auto st, db_->Prepare(absl::StrCat(
                                  "SELECT ", keys, ", SUM(", amount, ") FROM ",
                                  QuoteId(table.name), " GROUP BY ", group,
                                  " HAVING SUM(", amount, ") < 0")));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      out.push_back(absl::StrCat(table.name, "/", st->ColumnText(0), ": ",
                                 st->ColumnText(1)));
    }
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> Store::NegativeBalances() {
  absl::MutexLock lock(&db_mu_);
  return NegativeBalancesLocked(nullptr);
}

}  // namespace outpost::sync
