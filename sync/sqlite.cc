#include "sync/sqlite.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "sync/logging.h"

namespace outpost::sync {

absl::Status SqliteError(int code, absl::string_view what, sqlite3* db) {
  const std::string msg =
      absl::StrCat(what, ": ", db ? sqlite3_errmsg(db) : sqlite3_errstr(code),
                   " (sqlite ", code, ")");
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(msg);
    case SQLITE_CONSTRAINT:
      if (code == SQLITE_CONSTRAINT_PRIMARYKEY ||
          code == SQLITE_CONSTRAINT_UNIQUE) {
        return absl::AlreadyExistsError(msg);
      }
      return absl::FailedPreconditionError(msg);
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return absl::PermissionDeniedError(msg);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(msg);
    case SQLITE_INTERRUPT:
      return absl::CancelledError(msg);
    default:
      return absl::InternalError(msg);
  }
}

// ---- Statement ----

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::ResetIfDone() {
  if (stepped_) {
    sqlite3_reset(stmt_);
    stepped_ = false;
  }
}

void Statement::BindInt(int index, int64_t value) {
  ResetIfDone();
  sqlite3_bind_int64(stmt_, index, value);
}
void Statement::BindDouble(int index, double value) {
  ResetIfDone();
  sqlite3_bind_double(stmt_, index, value);
}
void Statement::BindText(int index, absl::string_view value) {
  ResetIfDone();
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(),
                      SQLITE_TRANSIENT, SQLITE_UTF8);
}
void Statement::BindBlob(int index, absl::string_view value) {
  ResetIfDone();
  sqlite3_bind_blob64(stmt_, index, value.data(), value.size(),
                      SQLITE_TRANSIENT);
}
void Statement::BindNull(int index) {
  ResetIfDone();
  sqlite3_bind_null(stmt_, index);
}

absl::StatusOr<bool> Statement::Step() {
  stepped_ = true;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // sqlite3_reset returns the same error code; keep the statement reusable.
  absl::Status status = SqliteError(
      sqlite3_extended_errcode(db_),
      absl::StrCat("step \"", sqlite3_sql(stmt_), "\"").substr(0, 160), db_);
  sqlite3_reset(stmt_);
  stepped_ = false;
  return status;
}

absl::Status Statement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) {
      Reset();
      return row.status();
    }
    if (!*row) break;
  }
  Reset();
  return absl::OkStatus();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  stepped_ = false;
}

std::string Statement::ColumnText(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text),
                     sqlite3_column_bytes(stmt_, col));
}

absl::string_view Statement::ColumnBlob(int col) const {
  const void* data = sqlite3_column_blob(stmt_, col);
  if (data == nullptr) return absl::string_view();
  return absl::string_view(static_cast<const char*>(data),
                           sqlite3_column_bytes(stmt_, col));
}

// ---- Database ----

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const Options& options) {
  sqlite3* handle = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create_if_missing) flags |= SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(options.path.c_str(), &handle, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status =
        SqliteError(rc, absl::StrCat("open ", options.path), handle);
    sqlite3_close(handle);
    return status;
  }
  sqlite3_extended_result_codes(handle, 1);
  std::unique_ptr<Database> db(new Database(handle, options.path));
  sqlite3_busy_timeout(handle, options.busy_timeout_ms);
  // journal_mode answers with a row; a file that is not a database fails here.
  absl::Status status = db->Exec("PRAGMA journal_mode=WAL");
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat(options.path, ": ", status.message()));
  }
  status = db->Exec(absl::StrCat(
      "PRAGMA synchronous=", options.synchronous_full ? "FULL" : "NORMAL",
      "; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
      " PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=10000"));
  if (!status.ok()) return status;
  return db;
}

Database::~Database() {
  cache_.clear();  // finalize statements before closing
  const int rc = sqlite3_close(db_);
  if (rc != SQLITE_OK) {
    OUTPOST_LOG(ERROR) << "sqlite3_close(" << path_ << ") failed: " << rc;
  }
}

absl::Status Database::Exec(absl::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    sqlite3_free(err);
    return SqliteError(sqlite3_extended_errcode(db_),
                       absl::StrCat("exec \"", text.substr(0, 120), "\""), db_);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Statement>> Database::Prepare(
    absl::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(rc, absl::StrCat("prepare \"", sql, "\""), db_);
  }
  return std::make_unique<Statement>(db_, stmt);
}

Statement& Database::Cached(absl::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->Reset();
    return *it->second;
  }
  absl::StatusOr<std::unique_ptr<Statement>> stmt = Prepare(sql);
  // Cached statements are written by us, not built from input: a failure to
  // prepare one is a programming error.
  if (!stmt.ok()) {
    OUTPOST_LOG(ERROR) << stmt.status();
    std::abort();
  }
  Statement& ref = **stmt;
  cache_.emplace(std::string(sql), *std::move(stmt));
  return ref;
}

absl::StatusOr<int> Database::UserVersion() {
  Statement& st = Cached("PRAGMA user_version");
  absl::StatusOr<bool> row = st.Step();
  if (!row.ok()) return row.status();
  const int version = static_cast<int>(st.ColumnInt(0));
  st.Reset();
  return version;
}

absl::Status Database::Migrate(const std::vector<std::string>& migrations) {
  absl::StatusOr<int> current = UserVersion();
  if (!current.ok()) return current.status();
  if (*current > static_cast<int>(migrations.size())) {
    return absl::FailedPreconditionError(absl::StrCat(
        path_, " has schema version ", *current, " but this build knows only ",
        migrations.size(), ": it was written by a newer Outpost"));
  }
  for (int i = *current; i < static_cast<int>(migrations.size()); ++i) {
    Transaction txn(this);
    absl::Status status = txn.Begin();
    if (status.ok()) status = Exec(migrations[i]);
    if (status.ok()) status = Exec(absl::StrCat("PRAGMA user_version=", i + 1));
    if (status.ok()) status = txn.Commit();
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("migration ", i + 1, ": ",
                                                      status.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status Database::QuickCheck() {
  absl::StatusOr<std::unique_ptr<Statement>> st = Prepare("PRAGMA quick_check");
  if (!st.ok()) return st.status();
  std::string problems;
  while (true) {
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const std::string line = (*st)->ColumnText(0);
    if (line != "ok")
      absl::StrAppend(&problems, problems.empty() ? "" : "; ", line);
  }
  if (!problems.empty()) {
    return absl::DataLossError(
        absl::StrCat(path_, " failed quick_check: ", problems.substr(0, 300)));
  }
  return absl::OkStatus();
}

// ---- Transaction ----

Transaction::~Transaction() {
  if (active_) {
    absl::Status status = Rollback();
    if (!status.ok()) OUTPOST_LOG(ERROR) << "rollback failed: " << status;
  }
}

absl::Status Transaction::Begin() {
  absl::Status status =
      db_->Cached(mode_ == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN").Run();
  if (status.ok()) active_ = true;
  return status;
}

absl::Status Transaction::Commit() {
  absl::Status status = db_->Cached("COMMIT").Run();
  if (status.ok()) {
    active_ = false;
  } else if (sqlite3_get_autocommit(db_->handle())) {
    active_ = false;  // SQLite already rolled back
  }
  return status;
}

absl::Status Transaction::Rollback() {
  active_ = false;
  if (sqlite3_get_autocommit(db_->handle())) return absl::OkStatus();
  return db_->Exec("ROLLBACK");
}

// ---- Savepoint ----

Savepoint::Savepoint(Database* db) : db_(db) {
  status_ = db_->Exec("SAVEPOINT request");
}

Savepoint::~Savepoint() {
  if (!done_ && status_.ok()) {
    absl::Status status =
        db_->Exec("ROLLBACK TO SAVEPOINT request; RELEASE SAVEPOINT request");
    if (!status.ok()) OUTPOST_LOG(ERROR) << "savepoint rollback: " << status;
  }
}

absl::Status Savepoint::Release() {
  if (!status_.ok()) return status_;
  done_ = true;
  return db_->Exec("RELEASE SAVEPOINT request");
}

}  // namespace outpost::sync
