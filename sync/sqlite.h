// RAII wrappers over SQLite: Database, Statement, Transaction.
//
//   ASSIGN_OR_RETURN(auto db, Database::Open({.path = "node.db"}));
//   Transaction txn(db.get());
//   RETURN_IF_ERROR(txn.Begin());
//   Statement& st = db->Cached("INSERT INTO t(a) VALUES (?1)");
//   st.BindText(1, "x");
//   RETURN_IF_ERROR(st.Run());
//   RETURN_IF_ERROR(txn.Commit());   // otherwise rolled back at scope exit
//
// Values are only ever bound, never formatted into SQL. Errors map SQLite
// result codes to absl codes by code, never by message text: BUSY/LOCKED ->
// UNAVAILABLE (retry), CORRUPT/NOTADB -> DATA_LOSS, CONSTRAINT ->
// ALREADY_EXISTS/FAILED_PRECONDITION, CANTOPEN/READONLY/PERM -> PERMISSION or
// FAILED_PRECONDITION, everything else INTERNAL.
//
// Thread-safety: a Database and its statements belong to one thread at a time;
// callers serialize access (the Store holds a mutex around it).
#ifndef OUTPOST_SYNC_SQLITE_H_
#define OUTPOST_SYNC_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace outpost::sync {

// Maps a SQLite result code (with the message for context) to an absl::Status.
absl::Status SqliteError(int code, absl::string_view what, sqlite3* db);

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binding: 1-based parameter index. Binding resets a finished statement.
  void BindInt(int index, int64_t value);
  void BindDouble(int index, double value);
  void BindText(int index, absl::string_view value);
  void BindBlob(int index, absl::string_view value);
  void BindNull(int index);

  // Steps once. Returns true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion, discarding rows; then resets.
  absl::Status Run();
  // Resets and clears bindings (done automatically by Run and before Bind
  // after a completed step).
  void Reset();

  int ColumnType(int col) const { return sqlite3_column_type(stmt_, col); }
  bool ColumnIsNull(int col) const { return ColumnType(col) == SQLITE_NULL; }
  int64_t ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
  double ColumnDouble(int col) const {
    return sqlite3_column_double(stmt_, col);
  }
  std::string ColumnText(int col) const;
  // Valid until the next Step/Reset.
  absl::string_view ColumnBlob(int col) const;
  int ColumnCount() const { return sqlite3_column_count(stmt_); }

 private:
  void ResetIfDone();
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool stepped_ = false;
};

class Database {
 public:
  struct Options {
    std::string path;
    // synchronous=FULL makes every commit durable against power loss;
    // NORMAL only against process crashes (WAL).
    bool synchronous_full = true;
    int busy_timeout_ms = 5000;
    bool create_if_missing = true;
  };

  static absl::StatusOr<std::unique_ptr<Database>> Open(const Options& options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements with no parameters (DDL, pragmas).
  absl::Status Exec(absl::string_view sql);
  // A statement prepared once and kept for the life of the Database. The
  // returned statement is reset and has no bindings.
  Statement& Cached(absl::string_view sql);
  // A statement prepared now, owned by the caller (for one-off queries).
  absl::StatusOr<std::unique_ptr<Statement>> Prepare(absl::string_view sql);

  // PRAGMA user_version; the schema migration number.
  absl::StatusOr<int> UserVersion();
  // Runs migrations[i] for every i >= user_version, each in its own
  // transaction together with the user_version bump.
  absl::Status Migrate(const std::vector<std::string>& migrations);
  // PRAGMA quick_check; DATA_LOSS when the file is damaged.
  absl::Status QuickCheck();

  int64_t Changes() const { return sqlite3_changes64(db_); }
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  absl::flat_hash_map<std::string, std::unique_ptr<Statement>> cache_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back in its destructor unless committed.
class Transaction {
 public:
  // kWrite takes the write lock at once (BEGIN IMMEDIATE); kRead is a
  // snapshot for several reads (BEGIN), taken at the first one.
  enum class Mode { kWrite, kRead };
  explicit Transaction(Database* db, Mode mode = Mode::kWrite)
      : db_(db), mode_(mode) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  absl::Status Begin();
  absl::Status Commit();
  absl::Status Rollback();
  bool active() const { return active_; }

 private:
  Database* db_;
  const Mode mode_;
  bool active_ = false;
};

// SAVEPOINT inside a transaction: lets one request of a group fail without
// undoing the others. Rolls back to the savepoint unless released.
class Savepoint {
 public:
  explicit Savepoint(Database* db);
  ~Savepoint();
  absl::Status status() const { return status_; }
  absl::Status Release();

 private:
  Database* db_;
  absl::Status status_;
  bool done_ = false;
};

}  // namespace outpost::sync

#endif  // OUTPOST_SYNC_SQLITE_H_
