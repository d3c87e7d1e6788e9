// Store: applying changes (shared by local writes and remote batches), the
// remote readiness rules, pending changes and quarantine.
//
// Error contract of ApplyInsertOnly/ApplyRegister: refusals (IsRefusal in
// store_txn.h) are decided before anything
// was written (the caller may quarantine and go on); any other error means
// the transaction must be abandoned.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "sync/logging.h"
#include "sync/status_macros.h"
#include "sync/store.h"
#include "sync/store_txn.h"

namespace outpost::sync {

absl::StatusOr<std::optional<RowState>> Store::LoadRowState(
    const std::string& table, const std::string& row_id) {
  Statement& st =
      db_->Cached("SELECT state FROM _meta WHERE tbl = ?1 AND row_id = ?2");
  st.BindText(1, table);
  st.BindText(2, row_id);
  ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) return std::optional<RowState>();
  RowState row;
  const absl::string_view blob = st.ColumnBlob(0);
  if (!row.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return absl::DataLossError(
        absl::StrCat("_meta row ", table, "/", row_id, " does not parse"));
  }
  st.Reset();
  return std::optional<RowState>(std::move(row));
}

absl::StatusOr<Store::RowValues> Store::ReadValuesLocked(
    const TableDef& table, const std::string& row_id) {
  return ReadValuesOn(db_.get(), table, row_id);
}

absl::StatusOr<Store::RowValues> Store::ReadValuesOn(
    Database* db, const TableDef& table, const std::string& row_id) const {
  std::string cols = "scope";
  for (const FieldDef& f : table.fields)
    absl::StrAppend(&cols, ", ", QuoteId(f.name));
  Statement& st = db->Cached(absl::StrCat(
      "SELECT ", cols, " FROM ", QuoteId(table.name), " WHERE id = ?1"));
  st.BindText(1, row_id);
  ASSIGN_OR_RETURN(bool found, st.Step());
  using Result =
      std::optional<std::pair<std::string, std::map<std::string, Value>>>;
  if (!found) return Result();
  std::pair<std::string, std::map<std::string, Value>> out;
  out.first = st.ColumnText(0);
  for (size_t i = 0; i < table.fields.size(); ++i) {
    out.second[table.fields[i].name] =
        ColumnValue(st, static_cast<int>(i) + 1, table.fields[i].type);
  }
  st.Reset();
  return Result(std::move(out));
}

absl::Status Store::ApplyChange(Txn& txn, const Change& change,
                                std::optional<RowState>* current) {
  const TableDef* table = options_.schema.table(change.table());
  if (table->is_insert_only()) {
    RETURN_IF_ERROR(ApplyInsertOnly(txn, *table, change));
  } else {
    RETURN_IF_ERROR(ApplyRegister(txn, *table, change, current));
  }
  RETURN_IF_ERROR(AppendLog(txn, change));
  txn.AdvanceVv(change.dot().origin(), change.dot().seq());
  return absl::OkStatus();
}

absl::Status Store::ApplyInsertOnly(Txn& txn, const TableDef& table,
                                    const Change& change) {
  Statement& st = db_->Cached(Sql(table).insert_once);
  st.BindText(1, change.row_id());
  st.BindText(2, change.scope());
  // Writes are sorted by field name; the table's fields are in declared order.
  for (size_t i = 0; i < table.fields.size(); ++i) st.BindNull(3 + i);
  for (const FieldWrite& w : change.writes()) {
    for (size_t i = 0; i < table.fields.size(); ++i) {
      if (table.fields[i].name == w.field()) {
        BindValue(st, 3 + static_cast<int>(i), w.value());
        break;
      }
    }
  }
  RETURN_IF_ERROR(st.Run());
  if (db_->Changes() == 0) {
    // The id exists: the same content is a harmless duplicate insert (two
    // nodes recorded the same fact); other content is refused.
    ASSIGN_OR_RETURN(auto existing, ReadValuesLocked(table, change.row_id()));
    bool same = existing.has_value() && existing->first == change.scope();
    if (same) {
      for (const FieldDef& f : table.fields) {
        Value given;
        for (const FieldWrite& w : change.writes()) {
          if (w.field() == f.name) given = w.value();
        }
        if (!ValueEqual(given, existing->second[f.name])) same = false;
      }
    }
    if (!same) {
      return absl::AlreadyExistsError(absl::StrCat(
          table.name, " ", change.row_id(), " exists with other content (",
          MergePolicyName(table.policy), " rows are written once)"));
    }
    return absl::OkStatus();
  }
  txn.ToggleDigest(table.name, change.scope(), HashInsertOnlyRow(change), 1);
  if (table.policy == MergePolicy::kLedger) {
    txn.ledger_tables_touched.insert(table.name);
  }
  return absl::OkStatus();
}

absl::Status Store::ApplyRegister(Txn& txn, const TableDef& table,
                                  const Change& change,
                                  std::optional<RowState>* current) {
  std::optional<RowState> loaded;
  if (current != nullptr) {
    loaded = std::move(*current);
  } else {
    ASSIGN_OR_RETURN(loaded, LoadRowState(change.table(), change.row_id()));
  }
  RowState row;
  if (loaded.has_value()) {
    row = std::move(*loaded);
    if (row.scope() != change.scope()) {
      return absl::FailedPreconditionError(absl::StrCat(
          change.table(), " ", change.row_id(), " belongs to scope ",
          row.scope(), "; change says ", change.scope()));
    }
  } else {
    row.set_table(change.table());
    row.set_row_id(change.row_id());
    row.set_scope(change.scope());
  }
  const Digest128 old_hash = HashRowState(row);
  const bool had_conflicts = !DeriveConflicts(table, row).empty();
  for (const FieldWrite& w : change.writes()) ApplyFieldWrite(change, w, &row);
  const Digest128 new_hash = HashRowState(row);

  Digest128 delta = old_hash;
  delta.Toggle(new_hash);
  txn.ToggleDigest(table.name, row.scope(), delta,
                   (new_hash.zero() ? 0 : 1) - (old_hash.zero() ? 0 : 1));

  std::string state;
  row.SerializeToString(&state);
  Statement& meta = db_->Cached(
      "INSERT INTO _meta(tbl, row_id, scope, state, hash) "
      "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(tbl, row_id) DO UPDATE SET "
      "state = excluded.state, hash = excluded.hash");
  meta.BindText(1, row.table());
  meta.BindText(2, row.row_id());
  meta.BindText(3, row.scope());
  meta.BindBlob(4, state);
  meta.BindBlob(5, new_hash.Hex());
  RETURN_IF_ERROR(meta.Run());
  RETURN_IF_ERROR(WriteShownRow(table, row));
  if (had_conflicts || !DeriveConflicts(table, row).empty()) {
    RETURN_IF_ERROR(UpdateConflicts(table, row));
  }
  return absl::OkStatus();
}

absl::Status Store::WriteShownRow(const TableDef& table, const RowState& row) {
  if (row.fields_size() == 0 || IsDeleted(row)) {
    Statement& del = db_->Cached(Sql(table).remove);
    del.BindText(1, row.row_id());
    return del.Run();
  }
  Statement& st = db_->Cached(Sql(table).upsert);
  st.BindText(1, row.row_id());
  st.BindText(2, row.scope());
  for (size_t i = 0; i < table.fields.size(); ++i) {
    const FieldDef& def = table.fields[i];
    const FieldState* field = FindField(row, def.name);
    const Sibling* shown = field ? ShownSibling(&def, table, *field) : nullptr;
    BindValue(st, 3 + static_cast<int>(i),
              shown ? shown->value() : NullValue());
  }
  return st.Run();
}

absl::Status Store::UpdateConflicts(const TableDef& table,
                                    const RowState& row) {
  Statement& del =
      db_->Cached("DELETE FROM _conflicts WHERE tbl = ?1 AND row_id = ?2");
  del.BindText(1, table.name);
  del.BindText(2, row.row_id());
  RETURN_IF_ERROR(del.Run());
  for (const ConflictInfo& c : DeriveConflicts(table, row)) {
    Statement& ins = db_->Cached(
        "INSERT OR REPLACE INTO _conflicts(id, tbl, row_id, scope, field, kind)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
    ins.BindText(1, c.id);
    ins.BindText(2, table.name);
    ins.BindText(3, row.row_id());
    ins.BindText(4, row.scope());
    ins.BindText(5, c.field);
    ins.BindText(6, ConflictKindName(c.kind));
    RETURN_IF_ERROR(ins.Run());
  }
  return absl::OkStatus();
}

absl::Status Store::AppendLog(Txn& txn, const Change& change) {
  std::string blob;
  change.SerializeToString(&blob);
  Statement& st = db_->Cached(
      "INSERT INTO _log(origin, seq, scope, change) VALUES(?1, ?2, ?3, ?4)");
  st.BindText(1, change.dot().origin());
  st.BindInt(2, static_cast<int64_t>(change.dot().seq()));
  st.BindText(3, change.scope());
  st.BindBlob(4, blob);
  RETURN_IF_ERROR(st.Run());
  txn.last_lsn = sqlite3_last_insert_rowid(db_->handle());
  return absl::OkStatus();
}

bool PeerInfo::MaySend(absl::string_view origin) const {
  return relay || NodeOfOrigin(origin) == node_id;
}

void Store::Refuse(const PeerInfo& peer, const Change& change,
                   absl::string_view reason) {
  int64_t& count = refusals_[{peer.node_id, std::string(reason)}];
  if (count++ == 0) {
    OUTPOST_LOG(WARNING) << "refused changes from peer " << peer.node_id << ": "
                         << reason << " (first: " << change.dot().origin()
                         << ":" << change.dot().seq()
                         << "; counted in status, logged once)";
  }
}

absl::Status Store::CheckDuplicate(const PeerInfo& peer, const Change& change,
                                   ApplyResult* result) {
  Statement& st =
      db_->Cached("SELECT change FROM _log WHERE origin = ?1 AND seq = ?2");
  st.BindText(1, change.dot().origin());
  st.BindInt(2, static_cast<int64_t>(change.dot().seq()));
  ASSIGN_OR_RETURN(bool logged, st.Step());
  bool same = true;
  if (logged) {
    std::string blob;
    change.SerializeToString(&blob);
    same = st.ColumnBlob(0) == blob;
  }
  st.Reset();
  ++result->duplicates;
  // Not in our log (skipped as out of scope, or quarantined): nothing to
  // compare it with here; the replicas holding it compare.
  if (same) return absl::OkStatus();
  ++result->dot_conflicts;
  ++dot_conflicts_;
  return Quarantine(
      peer, change,
      absl::DataLossError(absl::StrCat(
          "dot ", change.dot().origin(), ":", change.dot().seq(),
          " is already held here with other content: two changes were "
          "written under one identity (a database copied or restored while "
          "its node ran?); both are kept, operators decide")));
}

absl::Status Store::Quarantine(const PeerInfo& peer, const Change& change,
                               const absl::Status& why) {
  OUTPOST_LOG(WARNING) << "quarantined " << change.dot().origin() << ":"
                       << change.dot().seq() << " from " << peer.node_id << ": "
                       << why.message();
  std::string blob;
  change.SerializeToString(&blob);
  Statement& st = db_->Cached(
      "INSERT INTO _quarantine(peer, origin, seq, tbl, row_id, code, reason,"
      " change, received_ms, peer_scopes)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  st.BindText(1, peer.node_id);
  st.BindText(2, change.dot().origin());
  st.BindInt(3, static_cast<int64_t>(change.dot().seq()));
  st.BindText(4, change.table());
  st.BindText(5, change.row_id());
  st.BindInt(6, static_cast<int>(why.code()));
  st.BindText(7, why.message());
  st.BindBlob(8, blob);
  st.BindInt(9, absl::ToUnixMillis(absl::Now()));
  st.BindText(10, peer.scopes.ToString());
  return st.Run();
}

absl::Status Store::OfferRemote(Txn& txn, const PeerInfo& peer,
                                bool peer_covers, const Change& change,
                                ApplyResult* result) {
  const Dot& dot = change.dot();
  if (dot.origin().empty() || dot.seq() == 0) {
    ++result->refused;
    Refuse(peer, change, "a change without a dot");
    return absl::OkStatus();
  }
  // Origin authority before anything else: a change another node wrote,
  // from a peer that may not relay it, must not even count as seen, or the
  // genuine change would later be dropped as a duplicate.
  if (!peer.MaySend(dot.origin())) {
    ++result->refused;
    Refuse(peer, change,
           absl::StrCat("changes written by node ", NodeOfOrigin(dot.origin()),
                        " (only its own replicas' or an upstream's relay "
                        "are accepted)"));
    return absl::OkStatus();
  }
  if (txn.vv.Seen(dot)) return CheckDuplicate(peer, change, result);
  // Causal readiness: the origin's previous change is here (or the sender,
  // covering our scopes, vouches that the gap is outside them), and every
  // dot this change supersedes or saw is here.
  bool ready = peer_covers || txn.vv.Get(dot.origin()) + 1 == dot.seq();
  for (const FieldWrite& w : change.writes()) {
    for (const Dot& d : w.supersedes()) ready = ready && txn.vv.Seen(d);
    for (const Dot& d : w.context()) ready = ready && txn.vv.Seen(d);
  }
  // Time: a change dated beyond our clock plus the allowed skew waits until
  // our clock gets there (RetryDueHeld), and so does everything after it
  // (causally): applying it would move our clock, and every row we date
  // later, to its time. Waiting, not quarantine, keeps causal order: a later
  // change superseding it must not be applied before it.
  const int64_t excess = clock_.ExcessMs(change.hlc());
  if (!ready || excess > 0) {
    std::string blob;
    change.SerializeToString(&blob);
    Statement& st = db_->Cached(
        "INSERT OR IGNORE INTO _pending(origin, seq, covered, peer, "
        "peer_scopes, change, hold_until_ms) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    st.BindText(1, dot.origin());
    st.BindInt(2, static_cast<int64_t>(dot.seq()));
    st.BindInt(3, peer_covers ? 1 : 0);
    st.BindText(4, peer.node_id);
    st.BindText(5, peer.scopes.ToString());
    st.BindBlob(6, blob);
    if (excess > 0) {
      const int64_t hold_until = options_.clock->NowMs() + excess;
      st.BindInt(7, hold_until);
      if (hold_until < next_hold_ms_.load()) next_hold_ms_ = hold_until;
    } else {
      st.BindNull(7);
    }
    RETURN_IF_ERROR(st.Run());
    if (db_->Changes() > 0) {
      ++txn.pending_delta;
      ++result->pending;
      if (excess > 0) {
        ++result->skew_warnings;
        clock_.CountSkewWarning();
        // A PC with a wrong clock sends many: the first and every 1000th.
        if (clock_.skew_warnings() % 1000 == 1) {
          OUTPOST_LOG(WARNING)
              << "clock skew: change " << dot.origin() << ":" << dot.seq()
              << " from " << peer.node_id << " is dated " << excess / 1000
              << " s beyond this node's clock plus --max_clock_skew; held "
              << "until then (" << clock_.skew_warnings()
              << " so far; Admin.Status held_for_clock)";
        }
      }
    }
    return absl::OkStatus();
  }
  absl::Status refused;
  RETURN_IF_ERROR(ApplyRemote(txn, peer, change, &refused));
  if (refused.ok()) {
    ++result->applied;
    return absl::OkStatus();
  }
  // Refused: kept for operators, and counted as seen so it never blocks the
  // origin's later changes.
  ++result->quarantined;
  txn.AdvanceVv(dot.origin(), dot.seq());
  return Quarantine(peer, change, refused);
}

absl::Status Store::ApplyRemote(Txn& txn, const PeerInfo& peer,
                                const Change& change, absl::Status* refused) {
  if (!peer.scopes.Contains(change.scope())) {
    *refused = absl::PermissionDeniedError(absl::StrCat(
        "peer ", peer.node_id, " may not write scope ", change.scope(),
        " (it holds ", peer.scopes.ToString(), ")"));
  } else if (!options_.scopes.Contains(change.scope())) {
    *refused = absl::PermissionDeniedError(absl::StrCat(
        "scope ", change.scope(), " is outside this node's scopes (",
        options_.scopes.ToString(), ")"));
  } else if (const int64_t excess = clock_.ExcessMs(change.hlc()); excess > 0) {
    // Never let a far-future clock move ours (an operator's retry; remote
    // batches hold such changes in _pending before they get here).
    *refused = absl::FailedPreconditionError(absl::StrCat(
        "hlc: dated ", excess / 1000,
        " s beyond this node's clock plus --max_clock_skew (",
        options_.max_clock_skew_ms / 1000, " s); retry when time is there"));
  } else {
    *refused = ValidateChange(change);
  }
  // A delete or restore names a row its writer saw, which causal readiness
  // brought here first. One for a row unknown here would only plant a
  // tombstone under an id (another community's report, say) that the
  // genuine row could then not take.
  if (refused->ok() && !change.writes().empty() &&
      change.writes(0).field() == kDeletedField) {
    ASSIGN_OR_RETURN(std::optional<RowState> known,
                     LoadRowState(change.table(), change.row_id()));
    if (!known.has_value()) {
      *refused = absl::FailedPreconditionError(absl::StrCat(
          change.table(), " ", change.row_id(),
          ": _deleted: a delete or restore of a row unknown here"));
    }
  }
  if (refused->ok() && options_.remote_row_check) {
    const TableDef* table = options_.schema.table(change.table());
    auto current =
        [&]() -> absl::StatusOr<std::optional<std::map<std::string, Value>>> {
      ASSIGN_OR_RETURN(RowValues row,
                       ReadValuesLocked(*table, change.row_id()));
      if (!row.has_value())
        return std::optional<std::map<std::string, Value>>();
      return std::optional<std::map<std::string, Value>>(
          std::move(row->second));
    };
    absl::Status checked = options_.remote_row_check(change, current);
    if (!checked.ok() && !IsRefusal(checked)) return checked;  // I/O
    *refused = checked;
  }
  if (!refused->ok()) return absl::OkStatus();
  absl::Status applied = ApplyChange(txn, change);
  if (!applied.ok() && !IsRefusal(applied)) return applied;  // I/O: fails all
  *refused = applied;
  if (applied.ok()) clock_.Observe(change.hlc());  // within bounds: checked
  return absl::OkStatus();
}

absl::Status Store::ReleasePending(Txn& txn, ApplyResult* result) {
  if (pending_count_ + txn.pending_delta == 0) return absl::OkStatus();
  bool progress = true;
  while (progress) {
    progress = false;
    struct Candidate {
      Change change;
      bool covered;
      PeerInfo peer;
    };
    std::vector<Candidate> candidates;
    Statement& st = db_->Cached(
        "SELECT change, covered, peer, peer_scopes FROM _pending "
        "WHERE hold_until_ms IS NULL OR hold_until_ms <= ?1 "
        "ORDER BY origin, seq");
    // Held for our clock and not due: nothing to try (RetryDueHeld).
    st.BindInt(1, options_.clock->NowMs());
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      Change change;
      const absl::string_view blob = st.ColumnBlob(0);
      if (!change.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
        return absl::DataLossError("a _pending change does not parse");
      }
      // Origin authority was checked when the change was parked.
      PeerInfo peer{st.ColumnText(2),
                    ScopeSet::Of(absl::StrSplit(st.ColumnText(3), ',')),
                    /*relay=*/true};
      candidates.push_back({std::move(change), st.ColumnInt(1) != 0, peer});
    }
    for (const auto& [change, covered, peer] : candidates) {
      ApplyResult inner;
      Statement& del =
          db_->Cached("DELETE FROM _pending WHERE origin = ?1 AND seq = ?2");
      del.BindText(1, change.dot().origin());
      del.BindInt(2, static_cast<int64_t>(change.dot().seq()));
      RETURN_IF_ERROR(del.Run());
      --txn.pending_delta;
      RETURN_IF_ERROR(OfferRemote(txn, peer, covered, change, &inner));
      if (inner.pending == 0) {
        progress = true;
        result->released += inner.applied;
        result->quarantined += inner.quarantined;
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ApplyResult> Store::ApplyBatch(
    const PeerInfo& peer, const std::vector<Change>& changes,
    const std::optional<VersionVector>& watermark) {
  return ApplyBatchImpl(
      peer, changes.size(),
      [&](size_t i) -> const Change& { return changes[i]; }, watermark);
}

absl::StatusOr<ApplyResult> Store::ApplyBatch(
    const PeerInfo& peer,
    const google::protobuf::RepeatedPtrField<Change>& changes,
    const std::optional<VersionVector>& watermark) {
  return ApplyBatchImpl(
      peer, static_cast<size_t>(changes.size()),
      [&](size_t i) -> const Change& {
        return changes.Get(static_cast<int>(i));
      },
      watermark);
}

absl::StatusOr<ApplyResult> Store::ApplyBatchImpl(
    const PeerInfo& peer, size_t count,
    absl::FunctionRef<const Change&(size_t)> change_at,
    const std::optional<VersionVector>& watermark) {
  NotifyOnExit notify{this};
  absl::MutexLock lock(&db_mu_);
  ApplyResult result;
  const bool covers = peer.scopes.Covers(options_.scopes);
  RETURN_IF_ERROR(RunTxn(
      [&](Txn& txn) -> absl::Status {
        for (size_t i = 0; i < count; ++i) {
          RETURN_IF_ERROR(
              OfferRemote(txn, peer, covers, change_at(i), &result));
        }
        RETURN_IF_ERROR(ReleasePending(txn, &result));
        // The watermark vouches for gaps only when nothing waits: otherwise
        // a parked change would count as seen.
        // Only for origins the peer may speak for (origin authority).
        if (watermark.has_value() && covers &&
            pending_count_ + txn.pending_delta == 0) {
          for (const auto& [origin, seq] : watermark->entries()) {
            if (peer.MaySend(origin)) txn.AdvanceVv(origin, seq);
          }
        }
        if (!txn.ledger_tables_touched.empty()) {
          ASSIGN_OR_RETURN(result.negative_balances,
                           NegativeBalancesLocked(&txn.ledger_tables_touched));
        }
        return absl::OkStatus();
      },
      fail_before_commit_for_test_));
  return result;
}

}  // namespace outpost::sync
