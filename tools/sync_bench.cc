// sync_bench: throughput of the replication engine (Store) on this machine.
//
//   ./sync_bench                                   # full run, a few minutes
//   OUTPOST_BENCH_CHANGES=100000 ./sync_bench      # quick catch-up cases
//   ./sync_bench --benchmark_repetitions=3   # plus, for medians only:
//       --benchmark_report_aggregates_only=true
//
// Cases (issue targets in brackets; the closing summary checks them):
//   BM_LocalWrite/<table>_<sync>/threads:T
//       Durable local writes through Store::Write (returns once committed),
//       T = 1 or 8 writer threads sharing one store (group commit).
//       <table>: passage (append-only row, time-ordered id) or phone (a
//       register write: a resident's phone, over a pool of existing rows).
//       <sync>: full (synchronous=FULL, the production default) or normal.
//       items_per_second = changes/s over all threads.
//       [8 writers, full: >= 20k changes/s]
//   BM_CatchUp/<table>
//       A peer catching up on N changes (default 1,000,000; env
//       OUTPOST_BENCH_CHANGES): Extract in batches of 1000 from a source store,
//       ApplyBatch each into an empty target store (on disk, FULL).
//       items_per_second = apply rate (time = ApplyBatch calls only);
//       extract_per_s = Extract calls only. The source store is built once per
//       process by applying generated Change protos (origin "src", seq 1..N)
//       with ApplyBatch, which is the same remote apply path (reported as
//       build_per_s). [passage: apply >= 100k changes/s]
//
// Databases live in temporary directories under $TMPDIR (or /tmp), removed on
// exit. The console reporter is replaced by one that also prints a summary
// (medians over repetitions) at the end, so --benchmark_format does not apply
// to the console; use --benchmark_out=<file> for JSON.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "server/schema.h"
#include "sync/logging.h"
#include "sync/sqlite.h"
#include "sync/store.h"

namespace outpost::sync {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double>(end - start).count();
}

// A temporary directory, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string templ =
        (std::filesystem::temp_directory_path() / "outpost-bench-XXXXXX")
            .string();
    if (mkdtemp(templ.data()) == nullptr) {
      std::cerr << "mkdtemp failed for " << templ << "\n";
      std::abort();
    }
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A store in its own temporary directory.
struct BenchStore {
  TempDir dir;
  std::unique_ptr<Store> store;
};

absl::StatusOr<std::unique_ptr<BenchStore>> OpenBenchStore(
    const std::string& node_id, bool synchronous_full) {
  auto out = std::make_unique<BenchStore>();
  StoreOptions options;
  options.path = out->dir.File(node_id + ".db");
  options.node_id = node_id;
  options.scopes = ScopeSet::All();
  options.schema = outpost::server::OutpostSchema();  // the real domain schema
  options.synchronous_full = synchronous_full;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  if (!store.ok()) return store.status();
  out->store = *std::move(store);
  return out;
}

enum class Kind { kPassage, kPhone };

constexpr char kScope[] = "s1";

WriteRequest NewWrite(std::string table, std::string row_id,
                      std::string author) {
  WriteRequest w;
  w.table = std::move(table);
  w.row_id = std::move(row_id);
  w.scope = kScope;
  w.author = std::move(author);
  return w;
}

// ---- Local durable writes ----

// Register writes edit the phone of residents from a pool created up front,
// so each write loads, supersedes and rewrites an existing row's state.
constexpr int kResidentPool = 4096;

std::string ResidentId(int64_t i) { return absl::StrFormat("r%010d", i); }

struct LocalFixture {
  std::unique_ptr<BenchStore> db;
  std::atomic<int64_t> next{0};  // time-ordered ids, shared by all writers
  // SQLite commits on the store's connection (a commit hook), to report the
  // average group-commit size.
  std::atomic<int64_t> commits{0};
};

int CountCommit(void* counter) {
  static_cast<std::atomic<int64_t>*>(counter)->fetch_add(
      1, std::memory_order_relaxed);
  return 0;  // let the commit proceed
}

// One fixture per case and thread count, created by thread 0 on first use
// and kept for the process (the framework calls a case several times while
// it picks the iteration count). Only thread 0 touches the map, before the
// start barrier of the timing loop.
std::map<std::string, std::unique_ptr<LocalFixture>>& LocalFixtures() {
  static auto* fixtures =
      new std::map<std::string, std::unique_ptr<LocalFixture>>;
  return *fixtures;
}

absl::StatusOr<LocalFixture*> GetLocalFixture(const std::string& key, Kind kind,
                                              bool full) {
  auto& fixtures = LocalFixtures();
  auto it = fixtures.find(key);
  if (it != fixtures.end()) return it->second.get();
  auto fixture = std::make_unique<LocalFixture>();
  absl::StatusOr<std::unique_ptr<BenchStore>> db =
      OpenBenchStore("local", full);
  if (!db.ok()) return db.status();
  fixture->db = *std::move(db);
  if (kind == Kind::kPhone) {
    std::vector<WriteRequest> batch;
    for (int i = 0; i < kResidentPool; ++i) {
      WriteRequest w = NewWrite("residents", ResidentId(i), "desk-1");
      w.Set("name", TextValue(absl::StrFormat("Resident %d", i)));
      w.Set("phone", TextValue(absl::StrFormat("138%08d", i)));
      batch.push_back(std::move(w));
      if (batch.size() == 256 || i + 1 == kResidentPool) {
        absl::Status status = fixture->db->store->WriteAll(batch).status();
        if (!status.ok()) return status;
        batch.clear();
      }
    }
  }
  // Observes only: the Store sets no commit hook of its own.
  absl::Status hooked =
      fixture->db->store->WithDatabase([&fixture](Database* db) {
        sqlite3_commit_hook(db->handle(), &CountCommit, &fixture->commits);
        return absl::OkStatus();
      });
  if (!hooked.ok()) return hooked;
  LocalFixture* raw = fixture.get();
  fixtures.emplace(key, std::move(fixture));
  return raw;
}

WriteRequest LocalWrite(Kind kind, int64_t i) {
  if (kind == Kind::kPassage) {
    // Zero-padded counter: ids arrive in key order, as time-based ids do.
    WriteRequest w =
        NewWrite("passages", absl::StrFormat("p%012d", i), "gate-1");
    w.Set("checkpoint", TextValue("north-gate"));
    w.Set("direction", TextValue(i % 2 == 0 ? "in" : "out"));
    w.Set("resident", TextValue(ResidentId(i % 50000)));
    w.Set("temp", RealValue(36.0 + static_cast<double>(i % 15) / 10));
    return w;
  }
  WriteRequest w =
      NewWrite("residents", ResidentId(i % kResidentPool), "desk-1");
  w.Set("phone", TextValue(absl::StrFormat("139%08d", i)));
  return w;
}

void BM_LocalWrite(benchmark::State& state, Kind kind, bool full) {
  static LocalFixture* fixture = nullptr;  // set by thread 0 before the loop
  static uint64_t seq_before = 0;
  static int64_t commits_before = 0;
  if (state.thread_index() == 0) {
    const std::string key = absl::StrFormat("%d/%d/%d", static_cast<int>(kind),
                                            full ? 1 : 0, state.threads());
    absl::StatusOr<LocalFixture*> got = GetLocalFixture(key, kind, full);
    if (!got.ok()) {
      state.SkipWithError(got.status().ToString().c_str());
      fixture = nullptr;
    } else {
      fixture = *got;
      seq_before = fixture->db->store->vv().NodeTotal("local");
      commits_before = fixture->commits.load();
    }
  }
  // After an error the loop runs on without work rather than breaking out:
  // every thread must reach the framework's stop barrier.
  int64_t done = 0;
  bool failed = false;
  for (auto _ : state) {
    if (fixture == nullptr || failed) continue;  // thread 0 failed to set up
    const int64_t i = fixture->next.fetch_add(1, std::memory_order_relaxed);
    absl::StatusOr<WriteResult> result =
        fixture->db->store->Write(LocalWrite(kind, i));
    if (!result.ok()) {
      state.SkipWithError(result.status().ToString().c_str());
      failed = true;
      continue;
    }
    ++done;
  }
  state.SetItemsProcessed(done);
  if (state.thread_index() == 0 && fixture != nullptr) {
    // Every thread passed the stop barrier: all writes returned.
    const uint64_t written =
        fixture->db->store->vv().NodeTotal("local") - seq_before;
    const int64_t commits = fixture->commits.load() - commits_before;
    state.counters["committed"] = static_cast<double>(written);
    state.counters["avg_group"] =
        commits > 0 ? static_cast<double>(written) / commits : 0;
  }
}

// ---- Remote catch-up ----

int64_t CatchUpChanges() {
  int64_t n = 1'000'000;
  const char* env = getenv("OUTPOST_BENCH_CHANGES");
  if (env != nullptr && *env != '\0') {
    int64_t parsed = 0;
    if (absl::SimpleAtoi(env, &parsed) && parsed > 0) {
      n = parsed;
    } else {
      std::cerr << "ignoring OUTPOST_BENCH_CHANGES=" << env << "\n";
    }
  }
  return n;
}

constexpr int kBatch = 1000;
constexpr char kOrigin[] = "src";

// Change number `seq` (1-based) of origin "src", as its node would write it.
Change SourceChange(Kind kind, uint64_t seq, uint64_t hlc) {
  Change c;
  c.mutable_dot()->set_origin(kOrigin);
  c.mutable_dot()->set_seq(seq);
  c.set_hlc(hlc);
  c.set_scope(kScope);
  auto set = [&c](const char* field, Value value) {
    FieldWrite* w = c.add_writes();  // callers add fields in name order
    w->set_field(field);
    *w->mutable_value() = std::move(value);
  };
  if (kind == Kind::kPassage) {
    c.set_table("passages");
    c.set_row_id(absl::StrFormat("%016x-%s", hlc, kOrigin));  // hlc-ordered
    c.set_author("gate-1");
    set("checkpoint", TextValue("north-gate"));
    set("direction", TextValue(seq % 2 == 0 ? "in" : "out"));
    set("resident", TextValue(ResidentId(seq % 50000)));
    set("temp", RealValue(36.0 + static_cast<double>(seq % 15) / 10));
  } else {
    // A distinct new resident per change, 2 or 3 fields.
    c.set_table("residents");
    c.set_row_id(ResidentId(static_cast<int64_t>(seq)));
    c.set_author("desk-1");
    if (seq % 2 == 0) set("age", IntValue(static_cast<int64_t>(seq % 90)));
    set("name", TextValue(absl::StrFormat("Resident %d", seq)));
    set("phone", TextValue(absl::StrFormat("138%08d", seq)));
  }
  return c;
}

struct Source {
  std::unique_ptr<BenchStore> db;
  int64_t changes = 0;
  double build_seconds = 0;  // in ApplyBatch only (not generating changes)
};

// Built once per kind and kept for every repetition.
std::map<int, std::unique_ptr<Source>>& Sources() {
  static auto* sources = new std::map<int, std::unique_ptr<Source>>;
  return *sources;
}

absl::StatusOr<Source*> GetSource(Kind kind, int64_t n) {
  auto* sources = &Sources();
  auto it = sources->find(static_cast<int>(kind));
  if (it != sources->end()) return it->second.get();
  auto source = std::make_unique<Source>();
  absl::StatusOr<std::unique_ptr<BenchStore>> db =
      OpenBenchStore("source", /*synchronous_full=*/true);
  if (!db.ok()) return db.status();
  source->db = *std::move(db);
  source->changes = n;
  const PeerInfo peer{kOrigin, ScopeSet::All()};
  const uint64_t hlc0 = static_cast<uint64_t>(PhysicalClock::Real()->NowMs())
                        << kHlcCounterBits;
  std::vector<Change> batch;
  batch.reserve(kBatch);
  for (int64_t seq = 1; seq <= n; ++seq) {
    batch.push_back(SourceChange(kind, static_cast<uint64_t>(seq),
                                 hlc0 + static_cast<uint64_t>(seq)));
    if (static_cast<int>(batch.size()) == kBatch || seq == n) {
      const auto start = Clock::now();
      absl::StatusOr<ApplyResult> r =
          source->db->store->ApplyBatch(peer, batch, std::nullopt);
      source->build_seconds += Seconds(start, Clock::now());
      if (!r.ok()) return r.status();
      if (r->applied != static_cast<int>(batch.size())) {
        return absl::InternalError(absl::StrFormat(
            "source build: applied %d of %d", r->applied, batch.size()));
      }
      batch.clear();
    }
  }
  Source* raw = source.get();
  sources->emplace(static_cast<int>(kind), std::move(source));
  return raw;
}

void BM_CatchUp(benchmark::State& state, Kind kind) {
  const int64_t n = CatchUpChanges();
  absl::StatusOr<Source*> got = GetSource(kind, n);
  if (!got.ok()) {
    state.SkipWithError(got.status().ToString().c_str());
    return;
  }
  Source* source = *got;
  double apply_total = 0;
  double extract_total = 0;
  for (auto _ : state) {
    absl::StatusOr<std::unique_ptr<BenchStore>> target =
        OpenBenchStore("target", /*synchronous_full=*/true);
    if (!target.ok()) {
      state.SkipWithError(target.status().ToString().c_str());
      break;
    }
    Store& to = *(*target)->store;
    const PeerInfo peer{"source", ScopeSet::All()};
    ExtractRequest request;
    request.peer_scopes = ScopeSet::All();
    request.max_changes = kBatch;
    double apply_seconds = 0;
    double extract_seconds = 0;
    double worst_batch = 0;
    int64_t applied = 0;
    absl::Status status;
    while (true) {
      request.peer_vv = to.vv();
      auto t0 = Clock::now();
      absl::StatusOr<ExtractResult> batch = source->db->store->Extract(request);
      auto t1 = Clock::now();
      extract_seconds += Seconds(t0, t1);
      if (!batch.ok()) {
        status = batch.status();
        break;
      }
      request.after_lsn = batch->next_lsn;
      if (batch->changes.empty() && batch->watermark.has_value()) break;
      t0 = Clock::now();
      absl::StatusOr<ApplyResult> r =
          to.ApplyBatch(peer, batch->changes, batch->watermark);
      t1 = Clock::now();
      apply_seconds += Seconds(t0, t1);
      worst_batch = std::max(worst_batch, Seconds(t0, t1));
      if (!r.ok()) {
        status = r.status();
        break;
      }
      applied += r->applied;
      if (batch->watermark.has_value()) break;  // reached the source's end
    }
    if (status.ok() &&
        (applied != n || to.vv().Get(kOrigin) != static_cast<uint64_t>(n))) {
      status = absl::InternalError(
          absl::StrFormat("applied %d of %d changes", applied, n));
    }
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
    state.SetIterationTime(apply_seconds);
    apply_total += apply_seconds;
    extract_total += extract_seconds;
    state.counters["batch_ms_max"] = worst_batch * 1e3;
    state.PauseTiming();
    target->reset();  // close and delete the target outside the timing
    state.ResumeTiming();
  }
  const double iterations = static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * n);
  state.counters["changes"] = static_cast<double>(n);
  state.counters["apply_s"] = apply_total / std::max(1.0, iterations);
  state.counters["extract_per_s"] =
      extract_total > 0 ? iterations * static_cast<double>(n) / extract_total
                        : 0;
  state.counters["build_per_s"] =
      static_cast<double>(source->changes) / source->build_seconds;
}

// ---- Reporting ----

// The console output plus, at the end, one line per case with the median
// items/s over repetitions (and the extra catch-up figures) and the issue
// target it is held to, if any.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  SummaryReporter()
      : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& reports) override {
    ConsoleReporter::ReportRuns(reports);
    for (const Run& run : reports) {
      if (run.error_occurred) continue;
      Case& c = cases_[run.run_name.str()];
      if (c.order < 0) c.order = next_order_++;
      if (run.run_type == Run::RT_Aggregate) {
        if (run.aggregate_name == "median") c.median_aggregate = run.counters;
        continue;
      }
      for (const auto& [name, counter] : run.counters) {
        c.samples[name].push_back(counter.value);
      }
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::vector<std::pair<int, std::string>> order;
    for (const auto& [name, c] : cases_) order.emplace_back(c.order, name);
    std::sort(order.begin(), order.end());
    std::ostream& out = GetOutputStream();
    out << "\nSummary (medians):\n";
    for (const auto& [unused, name] : order) {
      const Case& c = cases_[name];
      std::string line = absl::StrFormat("  %-62s %9.0f changes/s", name,
                                         Median(c, "items_per_second"));
      if (name.find("LocalWrite") != std::string::npos) {
        absl::StrAppendFormat(&line, " | avg group %.2f",
                              Median(c, "avg_group"));
      }
      if (name.find("CatchUp") != std::string::npos) {
        absl::StrAppendFormat(&line,
                              " apply | extract %.0f/s | source build %.0f/s"
                              " | worst batch %.0f ms | N=%.0f",
                              Median(c, "extract_per_s"),
                              Median(c, "build_per_s"),
                              Median(c, "batch_ms_max"), Median(c, "changes"));
      }
      if (std::optional<double> target = Target(name)) {
        absl::StrAppendFormat(
            &line, "  [target >= %.0f: %s]", *target,
            Median(c, "items_per_second") >= *target ? "MET" : "MISSED");
      }
      out << line << "\n";
    }
    out.flush();
  }

 private:
  struct Case {
    int order = -1;
    std::map<std::string, std::vector<double>> samples;
    benchmark::UserCounters median_aggregate;
  };

  static double Median(const Case& c, const std::string& counter) {
    auto it = c.samples.find(counter);
    if (it == c.samples.end() || it->second.empty()) {
      auto agg = c.median_aggregate.find(counter);
      return agg == c.median_aggregate.end() ? 0 : agg->second.value;
    }
    std::vector<double> v = it->second;
    std::sort(v.begin(), v.end());
    const size_t mid = v.size() / 2;
    return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }

  static std::optional<double> Target(const std::string& name) {
    if (name.find("BM_LocalWrite/") == 0 &&
        name.find("_full/") != std::string::npos &&
        name.find("threads:8") != std::string::npos) {
      return 20000;
    }
    if (name.find("BM_CatchUp/passage") == 0) return 100000;
    return std::nullopt;
  }

  std::map<std::string, Case> cases_;
  int next_order_ = 0;
};

BENCHMARK_CAPTURE(BM_LocalWrite, passage_full, Kind::kPassage, true)
    ->Threads(1)
    ->Threads(8)
    ->UseRealTime()
    ->MinTime(1.0);
BENCHMARK_CAPTURE(BM_LocalWrite, phone_full, Kind::kPhone, true)
    ->Threads(1)
    ->Threads(8)
    ->UseRealTime()
    ->MinTime(1.0);
BENCHMARK_CAPTURE(BM_LocalWrite, passage_normal, Kind::kPassage, false)
    ->Threads(1)
    ->Threads(8)
    ->UseRealTime()
    ->MinTime(1.0);
BENCHMARK_CAPTURE(BM_LocalWrite, phone_normal, Kind::kPhone, false)
    ->Threads(1)
    ->Threads(8)
    ->UseRealTime()
    ->MinTime(1.0);
BENCHMARK_CAPTURE(BM_CatchUp, passage, Kind::kPassage)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CatchUp, phone, Kind::kPhone)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace outpost::sync

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  outpost::SetMinLogLevel(outpost::LogLevel::kWarning);
  outpost::sync::SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  // Close the stores and delete their directories.
  outpost::sync::LocalFixtures().clear();
  outpost::sync::Sources().clear();
  return 0;
}
