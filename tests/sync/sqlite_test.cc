#include "sync/sqlite.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tests/sync/test_util.h"

namespace outpost::sync {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& bytes,
               std::streamoff offset = 0) {
  std::fstream out(path, std::ios::binary | std::ios::in | std::ios::out);
  if (!out.is_open()) out.open(path, std::ios::binary | std::ios::out);
  out.seekp(offset);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class SqliteTest : public ::testing::Test {
 protected:
  std::unique_ptr<Database> Open(const std::string& name = "test.db",
                                 int busy_timeout_ms = 5000) {
    Database::Options options;
    options.path = dir_.File(name);
    options.busy_timeout_ms = busy_timeout_ms;
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? *std::move(db) : nullptr;
  }

  static int64_t QueryInt(Database* db, const std::string& sql) {
    absl::StatusOr<std::unique_ptr<Statement>> st = db->Prepare(sql);
    EXPECT_TRUE(st.ok()) << st.status();
    if (!st.ok()) return -1;
    absl::StatusOr<bool> row = (*st)->Step();
    EXPECT_TRUE(row.ok() && *row) << sql;
    if (!row.ok() || !*row) return -1;
    return (*st)->ColumnInt(0);
  }

  static std::string QueryText(Database* db, const std::string& sql) {
    absl::StatusOr<std::unique_ptr<Statement>> st = db->Prepare(sql);
    EXPECT_TRUE(st.ok()) << st.status();
    if (!st.ok()) return "";
    absl::StatusOr<bool> row = (*st)->Step();
    EXPECT_TRUE(row.ok() && *row) << sql;
    if (!row.ok() || !*row) return "";
    return (*st)->ColumnText(0);
  }

  static std::vector<int64_t> Column(Database* db, const std::string& sql) {
    std::vector<int64_t> out;
    absl::StatusOr<std::unique_ptr<Statement>> st = db->Prepare(sql);
    EXPECT_TRUE(st.ok()) << st.status();
    if (!st.ok()) return out;
    while (true) {
      absl::StatusOr<bool> row = (*st)->Step();
      EXPECT_TRUE(row.ok()) << row.status();
      if (!row.ok() || !*row) break;
      out.push_back((*st)->ColumnInt(0));
    }
    return out;
  }

  testing::TempDir dir_;
};

// ---- Open and Exec ----

TEST_F(SqliteTest, OpenCreatesWalDatabase) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->path(), dir_.File("test.db"));
  EXPECT_TRUE(std::filesystem::exists(dir_.File("test.db")));
  EXPECT_EQ(QueryText(db.get(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryInt(db.get(), "PRAGMA synchronous"), 2);  // FULL
  EXPECT_EQ(QueryInt(db.get(), "PRAGMA foreign_keys"), 1);
  ASSERT_TRUE(db->Exec("CREATE TABLE t(a); INSERT INTO t VALUES (1)").ok());
  EXPECT_TRUE(std::filesystem::exists(dir_.File("test.db-wal")));
}

TEST_F(SqliteTest, OpenWithSynchronousNormal) {
  Database::Options options;
  options.path = dir_.File("normal.db");
  options.synchronous_full = false;
  auto db = Database::Open(options);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(QueryInt(db->get(), "PRAGMA synchronous"), 1);  // NORMAL
}

TEST_F(SqliteTest, OpenMissingFileWithoutCreateFails) {
  Database::Options options;
  options.path = dir_.File("missing.db");
  options.create_if_missing = false;
  auto db = Database::Open(options);
  EXPECT_FALSE(db.ok());
  EXPECT_FALSE(std::filesystem::exists(dir_.File("missing.db")));
}

TEST_F(SqliteTest, ExecRunsSeveralStatementsAndReportsErrors) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t(a INTEGER);"
                       "INSERT INTO t VALUES (1);"
                       "INSERT INTO t VALUES (2);")
                  .ok());
  EXPECT_EQ(QueryInt(db.get(), "SELECT sum(a) FROM t"), 3);

  const absl::Status syntax = db->Exec("CREAT TABLE u(a)");
  EXPECT_EQ(syntax.code(), absl::StatusCode::kInternal) << syntax;
  EXPECT_THAT(syntax.message(), HasSubstr("CREAT TABLE u"));
  EXPECT_EQ(db->Exec("SELECT * FROM nowhere").code(),
            absl::StatusCode::kInternal);
}

TEST_F(SqliteTest, ChangesCountsRowsOfLastStatement) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(
      db->Exec("CREATE TABLE t(a); INSERT INTO t VALUES (1),(2),(3)").ok());
  EXPECT_EQ(db->Changes(), 3);
  Statement& st = db->Cached("UPDATE t SET a = a + 1 WHERE a >= ?1");
  st.BindInt(1, 2);
  ASSERT_TRUE(st.Run().ok());
  EXPECT_EQ(db->Changes(), 2);
}

// ---- Statements ----

TEST_F(SqliteTest, CachedStatementIsReusedResetAndUnbound) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  Statement& first = db->Cached("SELECT ?1");
  first.BindInt(1, 7);
  absl::StatusOr<bool> row = first.Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(first.ColumnInt(0), 7);

  // Asked for again mid-iteration: the same statement, reset, no bindings.
  Statement& second = db->Cached("SELECT ?1");
  EXPECT_EQ(&second, &first);
  row = second.Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_TRUE(second.ColumnIsNull(0));

  Statement& other = db->Cached("SELECT ?1 + 1");
  EXPECT_NE(&other, &first);
  other.BindInt(1, 1);
  row = other.Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(other.ColumnInt(0), 2);
  // Many other statements later (the cache grows), the reference is stable.
  for (int i = 0; i < 100; ++i) db->Cached("SELECT " + std::to_string(i));
  EXPECT_EQ(&db->Cached("SELECT ?1"), &first);
}

TEST_F(SqliteTest, BindingAfterAFinishedStepResets) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  Statement& st = db->Cached("SELECT ?1, ?2");
  st.BindInt(1, 1);
  st.BindText(2, "a");
  ASSERT_TRUE(*st.Step());
  EXPECT_EQ(st.ColumnInt(0), 1);
  // No explicit Reset: binding again restarts the statement.
  st.BindInt(1, 2);
  ASSERT_TRUE(*st.Step());
  EXPECT_EQ(st.ColumnInt(0), 2);
  EXPECT_EQ(st.ColumnText(1), "a");  // other bindings are kept
  EXPECT_FALSE(*st.Step());
}

TEST_F(SqliteTest, BoundValuesRoundTrip) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(
      db->Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, txt TEXT, blb BLOB,"
               " num INTEGER, dbl REAL, nul TEXT)")
          .ok());
  const std::string nasty = "O'Brien said \"hi\"; DROP TABLE t; --";
  const std::string chinese = "居民：张伟，社区“东风”";
  const std::string blob("\0\x01\xff'\"\0", 6);
  const std::vector<std::string> texts = {nasty, chinese, ""};
  Statement& insert = db->Cached(
      "INSERT INTO t(id, txt, blb, num, dbl, nul) VALUES (?1, ?2, ?3, ?4, ?5,"
      " ?6)");
  for (size_t i = 0; i < texts.size(); ++i) {
    insert.BindInt(1, static_cast<int64_t>(i));
    insert.BindText(2, texts[i]);
    insert.BindBlob(3, blob);
    insert.BindInt(4, std::numeric_limits<int64_t>::min() + 1);
    insert.BindDouble(5, 36.6);
    insert.BindNull(6);
    ASSERT_TRUE(insert.Run().ok());
  }
  // Still one table, three rows: nothing was interpreted as SQL.
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM t"), 3);

  Statement& select =
      db->Cached("SELECT txt, blb, num, dbl, nul FROM t WHERE id = ?1");
  for (size_t i = 0; i < texts.size(); ++i) {
    select.BindInt(1, static_cast<int64_t>(i));
    absl::StatusOr<bool> row = select.Step();
    ASSERT_TRUE(row.ok() && *row) << i;
    EXPECT_EQ(select.ColumnText(0), texts[i]);
    EXPECT_EQ(select.ColumnType(0), SQLITE_TEXT);
    EXPECT_EQ(select.ColumnBlob(1), blob);
    EXPECT_EQ(select.ColumnType(1), SQLITE_BLOB);
    EXPECT_EQ(select.ColumnInt(2), std::numeric_limits<int64_t>::min() + 1);
    EXPECT_DOUBLE_EQ(select.ColumnDouble(3), 36.6);
    EXPECT_TRUE(select.ColumnIsNull(4));
    EXPECT_EQ(select.ColumnCount(), 5);
  }

  // A bound value also matches in WHERE, and SQLite sees UTF-8 characters.
  Statement& find = db->Cached("SELECT id, length(txt) FROM t WHERE txt = ?1");
  find.BindText(1, chinese);
  absl::StatusOr<bool> row = find.Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(find.ColumnInt(0), 1);
  EXPECT_EQ(find.ColumnInt(1), 12);
  find.BindText(1, nasty);
  row = find.Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(find.ColumnInt(0), 0);
}

TEST_F(SqliteTest, StepErrorMapsConstraintAndKeepsStatementUsable) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(
      db->Exec("CREATE TABLE u(id TEXT PRIMARY KEY, v TEXT NOT NULL)").ok());
  Statement& insert = db->Cached("INSERT INTO u(id, v) VALUES (?1, ?2)");
  insert.BindText(1, "a");
  insert.BindText(2, "x");
  ASSERT_TRUE(insert.Run().ok());
  insert.BindText(1, "a");
  insert.BindText(2, "y");
  const absl::Status dup = insert.Run();
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists) << dup;
  insert.BindText(1, "b");
  insert.BindNull(2);
  const absl::Status null = insert.Run();
  EXPECT_EQ(null.code(), absl::StatusCode::kFailedPrecondition) << null;
  // The same statement works again after errors.
  insert.BindText(1, "c");
  insert.BindText(2, "z");
  EXPECT_TRUE(insert.Run().ok());
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM u"), 2);
}

TEST_F(SqliteTest, PrepareReportsBadSql) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  EXPECT_FALSE(db->Prepare("SELEC 1").ok());
  EXPECT_FALSE(db->Prepare("SELECT * FROM missing").ok());
  auto ok = db->Prepare("SELECT 41 + 1");
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_TRUE(*(*ok)->Step());
  EXPECT_EQ((*ok)->ColumnInt(0), 42);
}

// Death tests run first and in their own suite (gtest convention).
using SqliteDeathTest = SqliteTest;

TEST_F(SqliteDeathTest, CachedBadSqlIsAProgrammingError) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  EXPECT_DEATH(db->Cached("SELEC 1"), "");
}

// ---- Transactions ----

TEST_F(SqliteTest, TransactionRollsBackInDestructorUnlessCommitted) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t(a)").ok());
  {
    Transaction txn(db.get());
    EXPECT_FALSE(txn.active());
    ASSERT_TRUE(txn.Begin().ok());
    EXPECT_TRUE(txn.active());
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
    EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM t"), 1);
  }
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM t"), 0);
  EXPECT_NE(sqlite3_get_autocommit(db->handle()), 0);  // no open transaction
  {
    Transaction txn(db.get());
    ASSERT_TRUE(txn.Begin().ok());
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (2)").ok());
    ASSERT_TRUE(txn.Commit().ok());
    EXPECT_FALSE(txn.active());
  }
  EXPECT_THAT(Column(db.get(), "SELECT a FROM t"), ElementsAre(2));
  // Committed data is durable and visible to another connection.
  auto other = Open();
  ASSERT_NE(other, nullptr);
  EXPECT_THAT(Column(other.get(), "SELECT a FROM t"), ElementsAre(2));
}

// A read transaction is one snapshot for several reads and does not hold
// the write lock: another connection commits meanwhile, unseen until the end.
TEST_F(SqliteTest, ReadTransactionSeesOneSnapshotAndLetsWritersIn) {
  auto db = Open();
  auto writer = Open();
  ASSERT_NE(db, nullptr);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t(a); INSERT INTO t VALUES (1)").ok());
  {
    Transaction read(db.get(), Transaction::Mode::kRead);
    ASSERT_TRUE(read.Begin().ok());
    EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM t"), 1);
    Transaction write(writer.get());
    ASSERT_TRUE(write.Begin().ok());  // not blocked by the reader
    ASSERT_TRUE(writer->Exec("INSERT INTO t VALUES (2)").ok());
    ASSERT_TRUE(write.Commit().ok());
    EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM t"), 1);
  }  // ended by the destructor
  EXPECT_NE(sqlite3_get_autocommit(db->handle()), 0);
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM t"), 2);
}

TEST_F(SqliteTest, TransactionExplicitRollback) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t(a)").ok());
  Transaction txn(db.get());
  ASSERT_TRUE(txn.Begin().ok());
  ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
  ASSERT_TRUE(txn.Rollback().ok());
  EXPECT_FALSE(txn.active());
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM t"), 0);
  // Rolling back with nothing open is harmless.
  EXPECT_TRUE(txn.Rollback().ok());
}

TEST_F(SqliteTest, SecondWriterGetsUnavailable) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t(a)").ok());
  auto other = Open("test.db", /*busy_timeout_ms=*/0);
  ASSERT_NE(other, nullptr);

  Transaction writer(db.get());
  ASSERT_TRUE(writer.Begin().ok());
  ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
  {
    Transaction blocked(other.get());
    const absl::Status status = blocked.Begin();
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_FALSE(blocked.active());
    // A plain write statement outside a transaction is refused the same way.
    const absl::Status exec = other->Exec("INSERT INTO t VALUES (9)");
    EXPECT_EQ(exec.code(), absl::StatusCode::kUnavailable) << exec;
  }
  ASSERT_TRUE(writer.Commit().ok());
  Transaction after(other.get());
  EXPECT_TRUE(after.Begin().ok());
  ASSERT_TRUE(after.Commit().ok());
  EXPECT_THAT(Column(other.get(), "SELECT a FROM t"), ElementsAre(1));
}

TEST_F(SqliteTest, SavepointRollsBackUnlessReleased) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t(a)").ok());
  Transaction txn(db.get());
  ASSERT_TRUE(txn.Begin().ok());
  ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
  {
    Savepoint failed_request(db.get());
    ASSERT_TRUE(failed_request.status().ok());
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (2)").ok());
  }  // not released: undone
  {
    Savepoint good_request(db.get());
    ASSERT_TRUE(good_request.status().ok());
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (3)").ok());
    ASSERT_TRUE(good_request.Release().ok());
  }
  EXPECT_TRUE(txn.active());
  ASSERT_TRUE(txn.Commit().ok());
  EXPECT_THAT(Column(db.get(), "SELECT a FROM t ORDER BY a"),
              ElementsAre(1, 3));
}

TEST_F(SqliteTest, NestedSavepointsRollBackOnlyTheirOwnWork) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t(a)").ok());
  Transaction txn(db.get());
  ASSERT_TRUE(txn.Begin().ok());
  {
    Savepoint outer(db.get());
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
    {
      Savepoint inner(db.get());
      ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (2)").ok());
    }
    ASSERT_TRUE(outer.Release().ok());
  }
  ASSERT_TRUE(txn.Commit().ok());
  EXPECT_THAT(Column(db.get(), "SELECT a FROM t"), ElementsAre(1));
}

// ---- Migrations ----

const std::vector<std::string>& TwoMigrations() {
  static const auto* migrations = new std::vector<std::string>{
      "CREATE TABLE runs(n INTEGER); INSERT INTO runs VALUES (1)",
      "INSERT INTO runs VALUES (2)",
  };
  return *migrations;
}

TEST_F(SqliteTest, MigrateRunsEachMigrationOnce) {
  {
    auto db = Open();
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(*db->UserVersion(), 0);
    ASSERT_TRUE(db->Migrate(TwoMigrations()).ok());
    EXPECT_EQ(*db->UserVersion(), 2);
    EXPECT_EQ(QueryInt(db.get(), "PRAGMA user_version"), 2);
    EXPECT_THAT(Column(db.get(), "SELECT n FROM runs"), ElementsAre(1, 2));
    // Again: nothing to do.
    ASSERT_TRUE(db->Migrate(TwoMigrations()).ok());
    EXPECT_THAT(Column(db.get(), "SELECT n FROM runs"), ElementsAre(1, 2));
  }
  // A newer build (one more migration) after a restart runs only the new one.
  auto db = Open();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(*db->UserVersion(), 2);
  std::vector<std::string> three = TwoMigrations();
  three.push_back("INSERT INTO runs VALUES (3)");
  ASSERT_TRUE(db->Migrate(three).ok());
  EXPECT_EQ(*db->UserVersion(), 3);
  EXPECT_THAT(Column(db.get(), "SELECT n FROM runs"), ElementsAre(1, 2, 3));
}

TEST_F(SqliteTest, FailedMigrationRollsBackAndStops) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  std::vector<std::string> migrations = {
      TwoMigrations()[0],
      "INSERT INTO runs VALUES (2); INSERT INTO nowhere VALUES (0)",
      "INSERT INTO runs VALUES (3)",
  };
  const absl::Status status = db->Migrate(migrations);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("migration 2"));
  EXPECT_EQ(*db->UserVersion(), 1);
  EXPECT_THAT(Column(db.get(), "SELECT n FROM runs"), ElementsAre(1));
  EXPECT_NE(sqlite3_get_autocommit(db->handle()), 0);

  migrations[1] = "INSERT INTO runs VALUES (2)";
  ASSERT_TRUE(db->Migrate(migrations).ok());
  EXPECT_EQ(*db->UserVersion(), 3);
  EXPECT_THAT(Column(db.get(), "SELECT n FROM runs"), ElementsAre(1, 2, 3));
}

TEST_F(SqliteTest, MigrateRefusesNewerDatabase) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("PRAGMA user_version=5").ok());
  const absl::Status status = db->Migrate(TwoMigrations());
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(*db->UserVersion(), 5);
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"),
            0);
}

// ---- Integrity ----

TEST_F(SqliteTest, QuickCheckOnGoodFile) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Migrate(TwoMigrations()).ok());
  EXPECT_TRUE(db->QuickCheck().ok());
}

TEST_F(SqliteTest, GarbageFileIsDataLoss) {
  const std::string path = dir_.File("garbage.db");
  std::string garbage;
  for (int i = 0; i < 16384; ++i) {
    garbage.push_back(static_cast<char>((i * 7919 + 13) % 251));
  }
  WriteFile(path, garbage);
  Database::Options options;
  options.path = path;
  auto db = Database::Open(options);
  absl::Status status = db.status();
  if (db.ok()) status = (*db)->QuickCheck();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  // The damaged file is left as it was, for forensics.
  db = absl::InternalError("closed");
  EXPECT_EQ(ReadFile(path), garbage);
}

TEST_F(SqliteTest, DamagedPagesAreDataLoss) {
  const std::string path = dir_.File("damaged.db");
  {
    auto db = Open("damaged.db");
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
                         "CREATE INDEX t_v ON t(v)")
                    .ok());
    Transaction txn(db.get());
    ASSERT_TRUE(txn.Begin().ok());
    Statement& insert = db->Cached("INSERT INTO t(v) VALUES (?1)");
    for (int i = 0; i < 2000; ++i) {
      insert.BindText(1, "row " + std::to_string(i));
      ASSERT_TRUE(insert.Run().ok());
    }
    ASSERT_TRUE(txn.Commit().ok());
    ASSERT_TRUE(db->QuickCheck().ok());
    EXPECT_EQ(QueryInt(db.get(), "PRAGMA page_size"), 4096);
  }  // closing checkpoints the WAL into the main file
  ASSERT_GT(std::filesystem::file_size(path), 4u * 4096u);
  // Keep page 1 (header and schema); overwrite the table and index pages.
  WriteFile(path, std::string(3 * 4096, '\x5a'), 4096);

  Database::Options options;
  options.path = path;
  auto db = Database::Open(options);
  absl::Status status = db.status();
  if (db.ok()) status = (*db)->QuickCheck();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
}

// ---- Error mapping ----

TEST(SqliteErrorTest, MapsByCode) {
  using absl::StatusCode;
  struct Case {
    int code;
    StatusCode expected;
  };
  const Case cases[] = {
      {SQLITE_BUSY, StatusCode::kUnavailable},
      {SQLITE_BUSY_SNAPSHOT, StatusCode::kUnavailable},
      {SQLITE_BUSY_RECOVERY, StatusCode::kUnavailable},
      {SQLITE_LOCKED, StatusCode::kUnavailable},
      {SQLITE_LOCKED_SHAREDCACHE, StatusCode::kUnavailable},
      {SQLITE_CORRUPT, StatusCode::kDataLoss},
      {SQLITE_CORRUPT_INDEX, StatusCode::kDataLoss},
      {SQLITE_NOTADB, StatusCode::kDataLoss},
      {SQLITE_CONSTRAINT_PRIMARYKEY, StatusCode::kAlreadyExists},
      {SQLITE_CONSTRAINT_UNIQUE, StatusCode::kAlreadyExists},
      {SQLITE_CONSTRAINT_NOTNULL, StatusCode::kFailedPrecondition},
      {SQLITE_CONSTRAINT_FOREIGNKEY, StatusCode::kFailedPrecondition},
      {SQLITE_CONSTRAINT_CHECK, StatusCode::kFailedPrecondition},
      {SQLITE_ERROR, StatusCode::kInternal},
      {SQLITE_MISMATCH, StatusCode::kInternal},
  };
  for (const Case& c : cases) {
    const absl::Status status = SqliteError(c.code, "op", nullptr);
    EXPECT_EQ(status.code(), c.expected) << "sqlite code " << c.code;
    EXPECT_THAT(status.message(), HasSubstr("op")) << c.code;
    EXPECT_THAT(status.message(), HasSubstr(std::to_string(c.code)));
  }
  for (int code : {SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_PERM}) {
    EXPECT_THAT(
        SqliteError(code, "op", nullptr).code(),
        AnyOf(StatusCode::kPermissionDenied, StatusCode::kFailedPrecondition))
        << code;
  }
}

TEST(SqliteErrorTest, IgnoresMessageText) {
  // The code decides, whatever the text says.
  EXPECT_EQ(SqliteError(SQLITE_BUSY, "everything is fine", nullptr).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(SqliteError(SQLITE_ERROR, "database is locked", nullptr).code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(SqliteError(SQLITE_IOERR, "database is busy", nullptr).code(),
            absl::StatusCode::kInternal);
}

TEST_F(SqliteTest, ErrorUsesConnectionMessageButMapsByCode) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  // Leave "no such table" as the connection's last error message.
  EXPECT_FALSE(db->Exec("SELECT * FROM nowhere").ok());
  const absl::Status status = SqliteError(SQLITE_BUSY, "commit", db->handle());
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("commit"));
}

}  // namespace
}  // namespace outpost::sync
