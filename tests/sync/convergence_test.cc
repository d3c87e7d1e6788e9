// Randomized convergence test of the replication engine (shared/DESIGN.md,
// guarantees 3 and 4): replicas on real SQLite files take random local writes
// of every merge policy while random pairs exchange partially, message by
// message, with cut connections, re-delivered batches, failed commits and
// crash/reopen cycles. After a final full exchange every replica must be
// digest-equal (per scope), list the same conflicts, and hold every
// acknowledged write (a current sibling, or superseded by a writer who saw
// it). Replicas also lose their database file or get it back from an older
// copy (a dead disk, a restored backup): every write that had reached another
// replica must come back, and no dot may ever be bound to two contents (each
// open writes as a new replica, sync/replica.h). Clocks jump beyond the
// allowed skew; such changes wait until the others' time catches up.
//
// Everything runs on one thread from one std::mt19937_64 per schedule, so a
// schedule is reproduced exactly by its seed (printed on failure):
//   OUTPOST_SEED=42 ./convergence_test                 # only that schedule
//   OUTPOST_SOAK_SCHEDULES=100000 ./convergence_test   # a long soak
//   OUTPOST_FIRST_SEED=5000000                         # start of the seeds
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sync/clock.h"
#include "sync/logging.h"
#include "sync/merge.h"
#include "sync/session.h"
#include "sync/store.h"
#include "tests/sync/test_util.h"

namespace outpost::sync {
namespace {

using testing::OpenStore;
using testing::TempDir;

constexpr int kDefaultMeshSchedules = 1000;
constexpr int kDefaultStarSchedules = 500;
constexpr size_t kMaxFailedSchedules = 3;  // stop a run after this many
constexpr int64_t kEpochMs = 1'700'000'000'000;
const std::vector<std::string> kStates = {"requested", "accepted", "delivered"};

std::vector<uint64_t> SeedsFromEnv(int default_count) {
  if (const char* seed = std::getenv("OUTPOST_SEED")) {
    return {std::strtoull(seed, nullptr, 10)};
  }
  int count = default_count;
  if (const char* n = std::getenv("OUTPOST_SOAK_SCHEDULES")) {
    count = std::atoi(n);
  }
  uint64_t first = 1;
  if (const char* f = std::getenv("OUTPOST_FIRST_SEED")) {
    first = std::strtoull(f, nullptr, 10);
  }
  std::vector<uint64_t> seeds;
  for (int i = 0; i < count; ++i) seeds.push_back(first + i);
  return seeds;
}

std::string DotString(const Dot& dot) {
  return absl::StrCat(dot.origin(), ":", dot.seq());
}

// Who exists and who may sync with whom.
struct Topology {
  struct Node {
    std::string name;
    ScopeSet scopes;
    std::vector<std::string> write_scopes;  // scopes of rows it writes
    std::string view_scope;                 // "" = compare everything
  };
  std::vector<Node> nodes;
  std::vector<std::pair<int, int>> edges;
  // Share of local writes made by node 0 (else a uniformly chosen node).
  double hub_writes = 0;
  // Residents and requests per scope (passages: twice as many): few, so
  // concurrent edits and identical inserts collide.
  int rows_per_scope = 2;
  // Every node relays others' changes (a mesh); otherwise only node 0 does
  // (a star's hub), and a community may send only its own changes.
  bool all_relay = true;
};

// Five replicas holding everything; any pair may sync.
Topology Mesh() {
  Topology t;
  for (int i = 0; i < 5; ++i) {
    t.nodes.push_back(
        {absl::StrCat("n", i), ScopeSet::All(), {"yatai", "dongfeng"}, ""});
    for (int j = 0; j < i; ++j) t.edges.emplace_back(j, i);
  }
  return t;
}

// A central replica holding everything and four communities holding their own
// scope, each syncing only with central.
Topology Star() {
  Topology t;
  t.nodes.push_back({"central", ScopeSet::All(), {}, ""});
  for (int i = 1; i <= 4; ++i) {
    const std::string c = absl::StrCat("c", i);
    t.nodes.push_back({c, ScopeSet::Of({c}), {c}, c});
    t.nodes[0].write_scopes.push_back(c);
    t.edges.emplace_back(0, i);
  }
  t.hub_writes = 0.4;  // so central often races a community on its rows
  t.rows_per_scope = 1;
  t.all_relay = false;
  return t;
}

// A write the store acknowledged. Register tables: the field writes
// ("_deleted" for deletes and restores). Insert-only tables: the row content.
struct AckedWrite {
  Dot dot;  // seq 0: an idempotent insert that already existed
  std::string table, row_id, scope;
  std::vector<std::pair<std::string, Value>> fields;
  bool check_content = true;
  int writer = -1;  // the replica that wrote it (Submit)
};

struct Replica {
  Topology::Node node;
  std::string path;
  std::unique_ptr<FakeClock> clock;
  std::unique_ptr<Store> store;
  int opens = 0;  // each open writes as a new replica: name/r<opens>
  // An older copy of the database files (a backup), restored later.
  std::map<std::string, std::string> backup;
};

// Changes dated further ahead than this wait for the receiver's clock;
// MoveClock's jumps of 120 s exceed it.
constexpr int64_t kMaxSkewMs = 60'000;

// Crashes here are process crashes (the Store is destroyed), which WAL
// survives whatever `synchronous` says; syncing to disk would only make the
// thousands of schedules slow.
std::unique_ptr<Store> OpenReplica(Replica& r) {
  StoreOptions options;
  options.path = r.path;
  options.node_id = r.node.name;
  options.scopes = r.node.scopes;
  options.schema = testing::TestSchema();
  options.synchronous_full = false;
  options.clock = r.clock.get();
  options.max_clock_skew_ms = kMaxSkewMs;
  // Deterministic per seed, and new at every open like a real node's.
  options.replica_id = absl::StrCat(r.node.name, "/r", r.opens++);
  absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(options);
  EXPECT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<Store> store = opened.ok() ? *std::move(opened) : nullptr;
  if (store != nullptr) {
    absl::Status status = store->WithDatabase(
        [](Database* db) { return db->Exec("PRAGMA synchronous=OFF"); });
    EXPECT_TRUE(status.ok()) << status;
  }
  return store;
}

// One connection: two sessions and the messages in flight to each side.
struct Link {
  int node[2];
  std::unique_ptr<SyncSession> session[2];
  std::deque<SyncMessage> inbox[2];
};

// A batch applied successfully, kept to be delivered again.
struct DeliveredBatch {
  int receiver;
  PeerInfo peer;
  std::vector<Change> changes;
  std::optional<VersionVector> watermark;
};

// What a run exercised, printed after it so a weakened generator shows.
struct Stats {
  int64_t schedules = 0, acked = 0, refused = 0, resolutions = 0;
  int64_t sessions = 0, batches = 0, dropped_batches = 0, crashes = 0;
  int64_t crashes_mid_exchange = 0, failed_commits = 0, redeliveries = 0;
  int64_t pending_seen = 0, final_conflicts = 0, final_delete_vs_update = 0;
  int64_t twice_inserted = 0, negative_balances = 0;
  int64_t disk_losses = 0, lost_writes = 0, held_for_clock = 0;

  std::string ToString() const {
    return absl::StrCat(
        schedules, " schedules: ", acked, " acked writes (", refused,
        " refused, ", resolutions, " resolutions, ", twice_inserted,
        " passages inserted on two replicas); ", sessions, " sessions, ",
        batches, " batches applied, ", dropped_batches,
        " batches dropped by cuts, ", crashes, " crashes (",
        crashes_mid_exchange, " mid-exchange), ", failed_commits,
        " failed commits, ", redeliveries, " re-delivered batches, ",
        pending_seen, " applies leaving changes pending; at the end ",
        final_conflicts, " conflicts (", final_delete_vs_update,
        " delete-vs-update), ", negative_balances, " negative balances; ",
        disk_losses, " databases lost or restored from an older copy (",
        lost_writes, " writes no other replica had), ", held_for_clock,
        " changes held for a clock too far ahead");
  }
};

// What must be equal between replicas of the same scope.
struct View {
  std::vector<std::string> digests, rows, conflicts;
  bool operator==(const View& o) const {
    return digests == o.digests && rows == o.rows && conflicts == o.conflicts;
  }
};

// Lines only in `a` ("-") or only in `b` ("+").
std::string ViewDiff(const View& a, const View& b) {
  std::string out;
  auto diff = [&](const char* what, const std::vector<std::string>& x,
                  const std::vector<std::string>& y) {
    const std::multiset<std::string> xs(x.begin(), x.end());
    const std::multiset<std::string> ys(y.begin(), y.end());
    for (const std::string& line : x) {
      if (!ys.count(line)) absl::StrAppend(&out, what, " - ", line, "\n");
    }
    for (const std::string& line : y) {
      if (!xs.count(line)) absl::StrAppend(&out, what, " + ", line, "\n");
    }
  };
  diff("digests", a.digests, b.digests);
  diff("rows", a.rows, b.rows);
  diff("conflicts", a.conflicts, b.conflicts);
  return out;
}

class Cluster {
 public:
  Cluster(Topology topology, uint64_t seed, const TempDir& dir, Stats* stats)
      : rng_(seed), stats_(stats) {
    ++stats_->schedules;
    for (Topology::Node& node : topology.nodes) {
      Replica r;
      r.node = std::move(node);
      r.path = dir.File(r.node.name + ".db");
      r.clock = std::make_unique<FakeClock>(kEpochMs + Uniform(0, 5000));
      r.store = OpenReplica(r);
      replicas_.push_back(std::move(r));
    }
    edges_ = std::move(topology.edges);
    hub_writes_ = topology.hub_writes;
    rows_per_scope_ = topology.rows_per_scope;
    all_relay_ = topology.all_relay;
  }

  bool ok() const {
    for (const Replica& r : replicas_) {
      if (r.store == nullptr) return false;
    }
    return true;
  }
  const std::vector<std::string>& trace() const { return trace_; }

  // The whole schedule: random operations, a full exchange, sometimes
  // operators resolving conflicts and another full exchange, then the checks.
  void Run() {
    RunRandomOps();
    if (!::testing::Test::HasFatalFailure()) Converge();
    if (!::testing::Test::HasFatalFailure() && Chance(0.5)) {
      ResolveAfterExchange();
      Converge();
    }
    if (!::testing::Test::HasFatalFailure()) CheckConverged();
  }

 private:
  void RunRandomOps() {
    const int ops = Uniform(10, 40);
    for (int i = 0; i < ops && !::testing::Test::HasFatalFailure(); ++i) {
      MoveClock();
      const int dice = Uniform(0, 99);
      if (dice < 45) {
        LocalWrite(Chance(hub_writes_)
                       ? 0
                       : Uniform(0, static_cast<int>(replicas_.size()) - 1));
      } else if (dice < 60 || (links_.empty() && dice < 84)) {
        OpenAndExchange();
      } else if (dice < 72) {
        DeliverSome(Uniform(0, static_cast<int>(links_.size()) - 1),
                    Uniform(1, 8));
      } else if (dice < 79) {
        RunToCompletion(Uniform(0, static_cast<int>(links_.size()) - 1));
      } else if (dice < 84) {
        Cut(Uniform(0, static_cast<int>(links_.size()) - 1));
      } else if (dice < 89) {
        CrashOne();
      } else if (dice < 94) {
        FailOneCommit();
      } else if (dice < 97) {
        Redeliver();
      } else {
        DiskEvent(Uniform(0, static_cast<int>(replicas_.size()) - 1));
      }
    }
  }

  // Operators settle conflicts after a full exchange: on one or two
  // replicas, sometimes the same conflict on both (concurrent resolutions).
  void ResolveAfterExchange() {
    trace_.push_back("-- resolutions");
    std::vector<int> holders;  // replicas listing a conflict
    for (size_t i = 0; i < replicas_.size(); ++i) {
      absl::StatusOr<std::vector<Conflict>> conflicts =
          StoreOf(i).ListConflicts();
      ASSERT_TRUE(conflicts.ok()) << conflicts.status();
      if (!conflicts->empty()) holders.push_back(static_cast<int>(i));
    }
    if (holders.empty()) return;
    const int first = Pick(holders);
    const std::string id = ResolveOne(first);
    if (Chance(0.5)) {
      const int second = Pick(holders);
      // The same conflict when the other replica lists it, each operator
      // choosing independently; otherwise another one.
      if (second == first || id.empty() || ResolveOne(second, id).empty()) {
        ResolveOne(second);
      }
    }
  }

  // Finishes or cuts what is open, then runs complete sessions over every
  // edge until all version vectors are equal and nothing is pending.
  void Converge() {
    const bool finish = Chance(0.5);
    while (!links_.empty()) {
      const size_t li = links_.size() - 1;
      if (!finish || RunToCompletion(li)) Cut(li);  // else it cut itself
    }
    trace_.push_back("-- final exchange");
    // Time catches up with the clocks that ran ahead: what waited for them
    // is applied now (and the rest in the exchange below).
    int64_t latest = 0;
    for (Replica& r : replicas_) latest = std::max(latest, r.clock->NowMs());
    for (size_t i = 0; i < replicas_.size(); ++i) {
      replicas_[i].clock->Set(latest);
      stats_->held_for_clock += StoreOf(i).clock().skew_warnings();
      absl::StatusOr<int> released = StoreOf(i).RetryDueHeld();
      ASSERT_TRUE(released.ok()) << released.status();
    }
    for (int round = 0; round < 8; ++round) {
      std::vector<std::pair<int, int>> order = edges_;
      Shuffle(order);
      for (const auto& [a, b] : order) {
        if (Converged()) return;
        links_.push_back(Connect(a, b));
        const bool done = RunToCompletion(links_.size() - 1);
        if (done) Cut(links_.size() - 1);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
    if (!Converged()) ADD_FAILURE() << "replicas did not converge in 8 rounds";
  }

  void CheckConverged() {
    const Replica& center = replicas_[0];
    const View reference = MakeView(*center.store, "");
    for (size_t i = 1; i < replicas_.size(); ++i) {
      const Replica& r = replicas_[i];
      EXPECT_EQ(r.store->vv(), center.store->vv())
          << r.node.name << " " << r.store->vv().DebugString() << " vs "
          << center.store->vv().DebugString();
      const View expected = r.node.view_scope.empty()
                                ? reference
                                : MakeView(*center.store, r.node.view_scope);
      const View actual = MakeView(*r.store, "");
      EXPECT_TRUE(actual == expected)
          << r.node.name << " differs from " << center.node.name << ":\n"
          << ViewDiff(actual, expected);
    }
    for (size_t i = 0; i < replicas_.size(); ++i) CheckNoLoss(i);
    // No dot was ever bound to two contents, on any replica.
    std::map<std::string, std::string> contents;
    for (size_t i = 0; i < replicas_.size(); ++i) {
      EXPECT_EQ(StoreOf(i).dot_conflicts(), 0) << Name(i);
      for (const Change& c : ReadLog(StoreOf(i))) {
        std::string blob;
        c.SerializeToString(&blob);
        auto [it, added] = contents.emplace(DotString(c.dot()), blob);
        EXPECT_TRUE(added || it->second == blob)
            << Name(i) << " holds " << DotString(c.dot())
            << " with other content than another replica";
      }
    }
    for (const std::string& c : reference.conflicts) {
      ++stats_->final_conflicts;
      stats_->final_delete_vs_update +=
          c.find("DELETE_VS_UPDATE") != std::string::npos;
    }
    std::map<std::string, int> passages;
    for (const AckedWrite& w : acked_) {
      if (w.table == "passages" && w.dot.seq() != 0) ++passages[w.row_id];
    }
    for (const auto& [id, n] : passages) stats_->twice_inserted += n > 1;
    absl::StatusOr<std::vector<std::string>> negative =
        center.store->NegativeBalances();
    ASSERT_TRUE(negative.ok()) << negative.status();
    stats_->negative_balances += static_cast<int64_t>(negative->size());
  }

  int Uniform(int lo, int hi) {
    return lo + static_cast<int>(rng_() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Chance(double p) {
    return static_cast<double>(rng_() % 1000) < p * 1000;
  }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Uniform(0, static_cast<int>(v.size()) - 1)];
  }
  // Fisher-Yates on our own draws: the same order on every standard library.
  template <typename T>
  void Shuffle(std::vector<T>& v) {
    for (int i = static_cast<int>(v.size()) - 1; i > 0; --i) {
      std::swap(v[i], v[Uniform(0, i)]);
    }
  }
  Store& StoreOf(int r) { return *replicas_[r].store; }
  bool MayRelay(int r) const { return all_relay_ || r == 0; }
  const std::string& Name(int r) const { return replicas_[r].node.name; }

  void MoveClock() {
    Replica& r = replicas_[Uniform(0, static_cast<int>(replicas_.size()) - 1)];
    const int dice = Uniform(0, 99);
    if (dice < 5) {
      r.clock->Advance(-Uniform(1, 2000));  // the wall clock steps back
    } else if (dice < 7) {
      r.clock->Advance(120'000);  // ahead of the others beyond the skew limit
    } else {
      r.clock->Advance(Uniform(0, 3000));
    }
  }

  // ---- Local writes ----

  Value RandomValue(const std::string& field) {
    if (field == "age") return IntValue(Pick(std::vector<int>{30, 31, 45}));
    if (field == "status") return TextValue(Pick(kStates));
    static const std::map<std::string, std::vector<std::string>> kPools = {
        {"name", {"Li Wei", "Wang Fang", "Zhang Min"}},
        {"phone", {"111", "222", "333"}},
        {"control", {"none", "home", "central"}},
        {"note", {"rice", "medicine", "water"}}};
    return TextValue(Pick(kPools.at(field)));
  }

  // Passage content is a function of its id: two nodes recording the same
  // passage write identical content (sometimes with an explicit NULL).
  void SetPassage(WriteRequest& w, int k) {
    w.Set("checkpoint", TextValue(absl::StrCat("cp", k % 3)))
        .Set("resident", TextValue(absl::StrCat("r", k % 4)))
        .Set("direction", TextValue(k % 2 ? "in" : "out"));
    if (k % 2 == 0) {
      w.Set("temp", RealValue(36.5 + 0.2 * (k % 5)));
    } else if (Chance(0.5)) {
      w.Set("temp", NullValue());
    }
  }

  WriteRequest Movement(const std::string& scope, int r,
                        const std::string& item, const std::string& location,
                        int64_t qty) {
    WriteRequest w;
    w.table = "supplies";
    w.row_id = absl::StrCat(Name(r), "-m", ++movements_);
    w.scope = scope;
    w.author = Name(r);
    w.Set("item", TextValue(item)).Set("location", TextValue(location));
    w.Set("qty", IntValue(qty));
    return w;
  }

  void LocalWrite(int r) {
    const std::string scope = Pick(replicas_[r].node.write_scopes);
    WriteRequest w;
    w.scope = scope;
    w.author = Name(r);
    using Kind = WriteRequest::Kind;
    const int dice = Uniform(0, 99);
    if (dice < 43) {  // residents: edits, deletes, restores
      w.table = "residents";
      w.row_id = absl::StrCat(scope, "-r", Uniform(1, rows_per_scope_));
      if (dice < 30 || (dice >= 38 && Chance(0.5))) {
        std::vector<std::string> fields = {"name", "phone", "control", "age"};
        Shuffle(fields);
        for (int i = Uniform(1, 2); i > 0; --i) {
          w.Set(fields[i - 1], RandomValue(fields[i - 1]));
        }
      }
      if (dice >= 30) w.kind = dice < 38 ? Kind::kDelete : Kind::kRestore;
    } else if (dice < 63) {  // requests: state races, notes, deletes
      w.table = "requests";
      w.row_id = absl::StrCat(scope, "-q", Uniform(1, rows_per_scope_));
      if (dice < 55) {
        w.Set("status", RandomValue("status"));
      } else if (dice < 60) {
        w.Set("note", RandomValue("note"));
      } else {
        w.kind = Chance(0.5) ? Kind::kDelete : Kind::kRestore;
      }
    } else if (dice < 78) {  // passages: append-only, same id same content
      const int k = Uniform(0, 2 * rows_per_scope_ - 1);
      w.table = "passages";
      w.row_id = absl::StrCat(scope, "-p", k);
      w.idempotent = Chance(0.5);
      SetPassage(w, k);
    } else if (dice < 95) {  // supplies: movements that may overdraw
      const std::string item = Chance(0.5) ? "mask" : "gloves";
      const int64_t qty = Uniform(1, 20);
      if (dice < 90) {
        Submit(r, {Movement(scope, r, item, Chance(0.5) ? "A" : "B",
                            Chance(0.6) ? -qty : qty)});
      } else {  // a transfer: two movements in one atomic WriteAll
        Submit(r, {Movement(scope, r, item, "A", -qty),
                   Movement(scope, r, item, "B", qty)});
      }
      return;
    } else {
      ResolveOne(r);
      return;
    }
    Submit(r, {w});
  }

  void Submit(int r, const std::vector<WriteRequest>& requests) {
    absl::StatusOr<std::vector<WriteResult>> results =
        StoreOf(r).WriteAll(requests);
    std::string what = absl::StrCat("write ", Name(r), ":");
    for (const WriteRequest& w : requests) {
      absl::StrAppend(&what, " ", w.table, "/", w.row_id,
                      " kind=", static_cast<int>(w.kind));
      for (const auto& [f, v] : w.fields) {
        absl::StrAppend(&what, " ", f, "=", ValueToString(v));
      }
    }
    if (!results.ok()) {
      const absl::StatusCode code = results.status().code();
      EXPECT_TRUE(code == absl::StatusCode::kNotFound ||
                  code == absl::StatusCode::kFailedPrecondition ||
                  code == absl::StatusCode::kAlreadyExists)
          << what << ": " << results.status();
      ++stats_->refused;
      trace_.push_back(
          absl::StrCat(what, " -> refused ", absl::StatusCodeToString(code)));
      return;
    }
    for (size_t i = 0; i < requests.size(); ++i) {
      const WriteRequest& w = requests[i];
      const WriteResult& result = (*results)[i];
      AckedWrite acked{result.dot, w.table, w.row_id, w.scope, {}};
      acked.writer = r;
      if (w.kind != WriteRequest::Kind::kUpsert) {
        acked.fields.emplace_back(
            kDeletedField, BoolValue(w.kind == WriteRequest::Kind::kDelete));
      }
      acked.fields.insert(acked.fields.end(), w.fields.begin(), w.fields.end());
      acked_.push_back(std::move(acked));
      ++stats_->acked;
      absl::StrAppend(&what, i ? ", " : " -> ",
                      result.existed ? "existed" : DotString(result.dot));
    }
    trace_.push_back(what);
    // The reactor sends new changes to connected peers.
    if (Chance(0.5)) PollLinksOf(r);
  }

  // Resolves conflict `id` (or a random one) on replica r; returns its id.
  std::string ResolveOne(int r, const std::string& id = "") {
    absl::StatusOr<std::vector<Conflict>> conflicts =
        StoreOf(r).ListConflicts();
    EXPECT_TRUE(conflicts.ok()) << conflicts.status();
    if (!conflicts.ok() || conflicts->empty()) return "";
    const Conflict* chosen = &Pick(*conflicts);
    if (!id.empty()) {
      chosen = nullptr;
      for (const Conflict& c : *conflicts) {
        if (c.id == id) chosen = &c;
      }
      if (chosen == nullptr) return "";
    }
    const Conflict& c = *chosen;
    Resolution res;
    res.reason = "called the resident";
    res.author = Name(r);
    Value value;
    if (c.kind == ConflictKind::kDeleteVsUpdate) {
      const bool keep = Chance(0.5);
      res.row_action = keep ? Resolution::RowAction::kKeepDeleted
                            : Resolution::RowAction::kRestore;
      value = BoolValue(keep);
    } else if (Chance(0.5)) {
      res.pick = Uniform(1, static_cast<int>(c.values.size()));
      value = c.values[res.pick - 1].value;
    } else {
      value = c.field == kDeletedField ? BoolValue(Chance(0.5))
                                       : RandomValue(c.field);
      res.value = value;
    }
    absl::StatusOr<WriteResult> result = StoreOf(r).ResolveConflict(c.id, res);
    std::string what =
        absl::StrCat("resolve ", Name(r), " ", c.table, "/", c.row_id, ".",
                     c.field, " := ", ValueToString(value));
    if (!result.ok()) {
      // A value conflict on a deleted row, or restoring a row shown live.
      EXPECT_TRUE(absl::IsNotFound(result.status()) ||
                  absl::IsFailedPrecondition(result.status()))
          << what << ": " << result.status();
      trace_.push_back(absl::StrCat(what, " -> refused"));
      return c.id;
    }
    const std::string field =
        c.kind == ConflictKind::kDeleteVsUpdate ? kDeletedField : c.field;
    acked_.push_back(
        {result->dot, c.table, c.row_id, c.scope, {{field, value}}});
    // The audit row committed with it takes the next dot.
    const Dot audit = MakeDot(result->dot.origin(), result->dot.seq() + 1);
    acked_.push_back(
        {audit,
         kResolutionsTable,
         absl::StrCat(c.id, "/", result->dot.origin(), "/", result->dot.seq()),
         c.scope,
         {},
         /*check_content=*/false});
    trace_.push_back(absl::StrCat(what, " -> ", DotString(result->dot)));
    ++stats_->resolutions;
    return c.id;
  }

  // ---- Sessions ----

  std::unique_ptr<Link> Connect(int a, int b) {
    auto link = std::make_unique<Link>();
    link->node[0] = a;
    link->node[1] = b;
    for (int side = 0; side < 2; ++side) {
      // Small batches and windows so cuts drop part of a stream.
      SessionOptions options;
      options.max_batch_changes = Pick(std::vector<int>{1, 2, 3, 1000});
      options.max_inflight = Pick(std::vector<int>{1, 2, 4});
      options.max_batch_bytes = Chance(0.2) ? 300 : int64_t{1} << 20;
      const int peer = link->node[1 - side];
      if (MayRelay(peer)) options.relays.insert(Name(peer));
      link->session[side] =
          std::make_unique<SyncSession>(&StoreOf(link->node[side]), options);
      for (SyncMessage& m : link->session[side]->Start()) {
        link->inbox[1 - side].push_back(std::move(m));
      }
    }
    trace_.push_back(absl::StrCat("connect ", Name(a), "-", Name(b)));
    ++stats_->sessions;
    return link;
  }

  void Cut(size_t li) {
    const Link& l = *links_[li];
    for (const auto& inbox : l.inbox) {
      for (const SyncMessage& m : inbox) {
        stats_->dropped_batches += m.has_batch();
      }
    }
    trace_.push_back(absl::StrCat("cut ", Name(l.node[0]), "-", Name(l.node[1]),
                                  " dropping ", l.inbox[0].size(), "+",
                                  l.inbox[1].size(), " messages"));
    links_.erase(links_.begin() + static_cast<std::ptrdiff_t>(li));
  }

  static std::string Describe(const SyncMessage& m) {
    if (m.has_batch()) {
      std::vector<std::string> dots;
      for (const Change& c : m.batch().changes()) {
        dots.push_back(DotString(c.dot()));
      }
      return absl::StrCat("batch#", m.batch().batch_seq(), "[",
                          absl::StrJoin(dots, " "), "]",
                          m.batch().has_watermark() ? " wm" : "");
    }
    if (m.has_ack()) return absl::StrCat("ack#", m.ack().batch_seq());
    return m.has_hello() ? "hello" : "other";
  }

  // Delivers the next message to `side`; false when the link was cut.
  bool DeliverOne(size_t li, int side) {
    Link& l = *links_[li];
    const SyncMessage m = std::move(l.inbox[side].front());
    l.inbox[side].pop_front();
    const int to = l.node[side], from = l.node[1 - side];
    trace_.push_back(
        absl::StrCat("  ", Name(from), "->", Name(to), " ", Describe(m)));
    absl::StatusOr<std::vector<SyncMessage>> out = l.session[side]->Handle(m);
    if (!out.ok()) {
      ADD_FAILURE() << Name(to) << " failed to handle " << Describe(m)
                    << " from " << Name(from) << ": " << out.status();
      Cut(li);
      return false;
    }
    if (m.has_batch()) {
      ++stats_->batches;
      stats_->pending_seen += StoreOf(to).pending_count() > 0;
      DeliveredBatch d{
          to,
          {Name(from), replicas_[from].node.scopes, MayRelay(from)},
          {},
          {}};
      d.changes.assign(m.batch().changes().begin(), m.batch().changes().end());
      if (m.batch().has_watermark()) {
        d.watermark = VersionVector::FromProto(m.batch().watermark());
      }
      delivered_.push_back(std::move(d));
      if (delivered_.size() > 32) delivered_.pop_front();
    }
    for (SyncMessage& reply : *out) {
      l.inbox[1 - side].push_back(std::move(reply));
    }
    return true;
  }

  // Polls both sessions (new local changes); true when something went out.
  bool Poll(Link& l) {
    bool sent = false;
    for (int side = 0; side < 2; ++side) {
      absl::StatusOr<std::vector<SyncMessage>> out = l.session[side]->Poll();
      EXPECT_TRUE(out.ok()) << out.status();
      if (!out.ok()) continue;
      for (SyncMessage& m : *out) {
        l.inbox[1 - side].push_back(std::move(m));
        sent = true;
      }
    }
    return sent;
  }

  void PollLinksOf(int r) {
    for (auto& link : links_) {
      if (link->node[0] == r || link->node[1] == r) Poll(*link);
    }
  }

  // Delivers up to `n` messages in order; false when the link was cut.
  bool DeliverSome(size_t li, int n) {
    for (int i = 0; i < n; ++i) {
      Link& l = *links_[li];
      if (l.inbox[0].empty() && l.inbox[1].empty() && !Poll(l)) break;
      int side = Uniform(0, 1);
      if (l.inbox[side].empty()) side = 1 - side;
      if (!DeliverOne(li, side)) return false;
    }
    return true;
  }

  // Runs the session until both sides are idle. The link stays open.
  bool RunToCompletion(size_t li) {
    for (int step = 0; step < 10000; ++step) {
      Link& l = *links_[li];
      if (l.inbox[0].empty() && l.inbox[1].empty() && !Poll(l)) {
        for (int side = 0; side < 2; ++side) {
          EXPECT_TRUE(l.session[side]->outbound_idle() &&
                      l.session[side]->inbound_caught_up())
              << Name(l.node[side]) << " not idle after a complete session";
        }
        return true;
      }
      if (!DeliverSome(li, 1)) return false;
    }
    ADD_FAILURE() << "session did not become idle";
    Cut(li);
    return false;
  }

  void OpenAndExchange() {
    const auto [a, b] = Pick(edges_);
    if (links_.size() >= 3) return;
    for (const auto& link : links_) {
      // Mostly one session per pair; sometimes a reconnect overlaps a
      // session that has not noticed it is dead yet.
      if (((link->node[0] == a && link->node[1] == b) ||
           (link->node[0] == b && link->node[1] == a)) &&
          Chance(0.8)) {
        return;
      }
    }
    links_.push_back(Chance(0.5) ? Connect(a, b) : Connect(b, a));
    const size_t li = links_.size() - 1;
    if (!DeliverSome(li, Uniform(0, 10))) return;
    const int dice = Uniform(0, 99);
    if (dice < 30) {
      Cut(li);
    } else if (dice < 60 && RunToCompletion(li)) {
      Cut(li);
    }
  }

  // ---- Faults ----

  // Store state that a failed or repeated apply, or a reopen, must leave
  // alone.
  std::string Summary(Store& store) {
    const View view = MakeView(store, "");
    return absl::StrCat(
        "vv=", store.vv().DebugString(), " lsn=", store.LastLsn(),
        " pending=", store.pending_count(), "\n",
        absl::StrJoin(view.digests, "\n"), "\n", absl::StrJoin(view.rows, "\n"),
        "\n", absl::StrJoin(view.conflicts, "\n"));
  }

  void Crash(int r) {
    for (size_t li = links_.size(); li-- > 0;) {
      if (links_[li]->node[0] == r || links_[li]->node[1] == r) Cut(li);
    }
    Replica& rep = replicas_[r];
    ++stats_->crashes;
    const std::string before = Summary(*rep.store);
    rep.store.reset();
    rep.store = OpenReplica(rep);
    ASSERT_NE(rep.store, nullptr);
    EXPECT_EQ(Summary(*rep.store), before) << "state changed across reopen";
    trace_.push_back(absl::StrCat("crash+reopen ", rep.node.name));
  }

  // The files of a closed replica: the database, its WAL and shared memory.
  static std::vector<std::string> FilesOf(const Replica& rep) {
    return {rep.path, rep.path + "-wal", rep.path + "-shm"};
  }

  // What happens to an office PC's disk: a backup is taken (the node is
  // stopped and its files copied), the backup is restored over newer data,
  // or the database is lost and the node starts empty.
  //
  // Not a star's hub: its communities may send it only their own changes
  // (origin authority), so the hub's own writes held only in communities
  // cannot flow back by sync; rebuilding central from its communities is an
  // operator's audited repair (the operations issue), not tested here.
  void DiskEvent(int r) {
    if (!all_relay_ && r == 0) return;
    Replica& rep = replicas_[r];
    for (size_t li = links_.size(); li-- > 0;) {
      if (links_[li]->node[0] == r || links_[li]->node[1] == r) Cut(li);
    }
    rep.store.reset();
    const bool take_backup = rep.backup.empty() || Chance(0.4);
    if (take_backup) {
      rep.backup.clear();
      for (const std::string& file : FilesOf(rep)) {
        std::ifstream in(file, std::ios::binary);
        if (!in) continue;
        std::stringstream content;
        content << in.rdbuf();
        rep.backup[file] = content.str();
      }
      trace_.push_back(absl::StrCat("backup ", rep.node.name));
    } else {
      const bool restore = Chance(0.5);
      for (const std::string& file : FilesOf(rep)) {
        std::filesystem::remove(file);
        auto it = rep.backup.find(file);
        if (restore && it != rep.backup.end()) {
          std::ofstream(file, std::ios::binary) << it->second;
        }
      }
      trace_.push_back(absl::StrCat(
          restore ? "restore an older copy of " : "database lost on ",
          rep.node.name));
      ++stats_->disk_losses;
      // Redelivering what the lost file had applied would apply it again.
      delivered_.erase(std::remove_if(delivered_.begin(), delivered_.end(),
                                      [r](const DeliveredBatch& d) {
                                        return d.receiver == r;
                                      }),
                       delivered_.end());
    }
    rep.store = OpenReplica(rep);
    ASSERT_NE(rep.store, nullptr);
    if (!take_backup) ForgetLostWrites(r);
  }

  // Writes of `r` that no replica holds any more (not in a version vector,
  // not waiting in _pending) were lost with the disk: nothing can bring
  // them back, so they are no longer expected anywhere. Everything else must
  // come back.
  void ForgetLostWrites(int r) {
    auto held = [&](const Dot& dot, const std::string& scope) {
      for (size_t i = 0; i < replicas_.size(); ++i) {
        // A replica not holding the scope counts dots as seen without them.
        if (!replicas_[i].node.scopes.Contains(scope)) continue;
        if (StoreOf(i).vv().Seen(dot)) return true;
        bool pending = false;
        absl::Status status = StoreOf(i).WithDatabase([&](Database* db) {
          Statement& st = db->Cached(
              "SELECT 1 FROM _pending WHERE origin = ?1 AND seq = ?2");
          st.BindText(1, dot.origin());
          st.BindInt(2, static_cast<int64_t>(dot.seq()));
          absl::StatusOr<bool> row = st.Step();
          st.Reset();
          if (!row.ok()) return row.status();
          pending = *row;
          return absl::OkStatus();
        });
        EXPECT_TRUE(status.ok()) << status;
        if (pending) return true;
      }
      return false;
    };
    const size_t before = acked_.size();
    acked_.erase(std::remove_if(acked_.begin(), acked_.end(),
                                [&](const AckedWrite& w) {
                                  // Existed there: whether it still does is
                                  // unknown.
                                  if (w.dot.seq() == 0) return w.writer == r;
                                  return NodeOfOrigin(w.dot.origin()) ==
                                             Name(r) &&
                                         !held(w.dot, w.scope);
                                }),
                 acked_.end());
    stats_->lost_writes += static_cast<int64_t>(before - acked_.size());
  }

  void CrashOne() {
    if (!links_.empty() && Chance(0.7)) {  // mid-exchange
      const Link& l = *Pick(links_);
      ++stats_->crashes_mid_exchange;
      Crash(l.node[Uniform(0, 1)]);
    } else {
      Crash(Uniform(0, static_cast<int>(replicas_.size()) - 1));
    }
  }

  // Delivers a batch whose commit fails: nothing may change.
  void FailOneCommit() {
    std::vector<std::pair<size_t, int>> candidates;
    for (size_t li = 0; li < links_.size(); ++li) {
      for (int side = 0; side < 2; ++side) {
        const auto& inbox = links_[li]->inbox[side];
        if (!inbox.empty() && inbox.front().has_batch()) {
          candidates.emplace_back(li, side);
        }
      }
    }
    if (candidates.empty()) return;
    const auto [li, side] = Pick(candidates);
    Link& l = *links_[li];
    const int r = l.node[side];
    const SyncMessage m = std::move(l.inbox[side].front());
    l.inbox[side].pop_front();
    const std::string before = Summary(StoreOf(r));
    ++stats_->failed_commits;
    StoreOf(r).set_fail_before_commit_for_test(true);
    absl::StatusOr<std::vector<SyncMessage>> out = l.session[side]->Handle(m);
    StoreOf(r).set_fail_before_commit_for_test(false);
    EXPECT_FALSE(out.ok()) << "apply with the crash hook succeeded";
    EXPECT_EQ(Summary(StoreOf(r)), before) << "a failed apply left changes";
    trace_.push_back(absl::StrCat("  ", Name(l.node[1 - side]), "->", Name(r),
                                  " ", Describe(m), " FAILED before commit"));
    if (Chance(0.5)) {
      Crash(r);
    } else {
      Cut(li);
    }
  }

  // Applies an already applied batch again: a no-op.
  void Redeliver() {
    if (delivered_.empty()) return;
    const DeliveredBatch& d =
        delivered_[Uniform(0, static_cast<int>(delivered_.size()) - 1)];
    Store& store = StoreOf(d.receiver);
    const std::string before = Summary(store);
    ++stats_->redeliveries;
    absl::StatusOr<ApplyResult> result =
        store.ApplyBatch(d.peer, d.changes, d.watermark);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->applied + result->released + result->quarantined +
                  result->pending,
              0)
        << "re-delivered batch was not a no-op";
    EXPECT_EQ(Summary(store), before) << "re-delivered batch changed state";
    trace_.push_back(absl::StrCat("redeliver to ", Name(d.receiver), " from ",
                                  d.peer.node_id, " ", d.changes.size(),
                                  " changes", d.watermark ? " wm" : ""));
  }

  bool Converged() {
    const VersionVector vv = StoreOf(0).vv();
    for (size_t i = 0; i < replicas_.size(); ++i) {
      if (StoreOf(i).pending_count() != 0 || !(StoreOf(i).vv() == vv)) {
        return false;
      }
    }
    return true;
  }

  // ---- Final checks ----

  // Digests, every user table's rows and the conflict list, restricted to
  // `scope` ("" = everything).
  View MakeView(Store& store, const std::string& scope) {
    View v;
    absl::StatusOr<std::vector<DigestEntry>> digests = store.Digests();
    EXPECT_TRUE(digests.ok()) << digests.status();
    if (digests.ok()) {
      for (const DigestEntry& e : *digests) {
        if (!scope.empty() && e.scope != scope) continue;
        v.digests.push_back(absl::StrCat(e.table, "/", e.scope, " ",
                                         e.digest.Hex(), " rows=", e.rows));
      }
    }
    absl::Status status = store.WithDatabase([&](Database* db) -> absl::Status {
      for (const TableDef& table : store.schema().tables()) {
        absl::StatusOr<std::unique_ptr<Statement>> st = db->Prepare(
            absl::StrCat("SELECT * FROM ", table.name, " ORDER BY id"));
        if (!st.ok()) return st.status();
        while (true) {
          absl::StatusOr<bool> row = (*st)->Step();
          if (!row.ok()) return row.status();
          if (!*row) break;
          if (!scope.empty() && (*st)->ColumnText(1) != scope) continue;
          std::string line = table.name;
          for (int col = 0; col < (*st)->ColumnCount(); ++col) {
            absl::StrAppend(
                &line, " ", (*st)->ColumnType(col), ":",
                (*st)->ColumnIsNull(col) ? "" : (*st)->ColumnText(col));
          }
          v.rows.push_back(std::move(line));
        }
      }
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    ConflictFilter filter;
    filter.scope = scope;
    absl::StatusOr<std::vector<Conflict>> conflicts =
        store.ListConflicts(filter);
    EXPECT_TRUE(conflicts.ok()) << conflicts.status();
    if (conflicts.ok()) {
      for (const Conflict& c : *conflicts) {
        std::string line = absl::StrCat(c.id, " ", c.table, "/", c.row_id, ".",
                                        c.field, " ", ConflictKindName(c.kind));
        for (const ConflictValue& value : c.values) {
          absl::StrAppend(&line, " ", DotString(value.dot), "=",
                          ValueToString(value.value), value.shown ? "*" : "");
        }
        v.conflicts.push_back(std::move(line));
      }
    }
    return v;
  }

  std::vector<Change> ReadLog(Store& store) {
    std::vector<Change> log;
    ExtractRequest request;
    request.peer_scopes = ScopeSet::All();
    request.max_changes = 100000;
    request.max_bytes = int64_t{1} << 40;
    while (true) {
      absl::StatusOr<ExtractResult> result = store.Extract(request);
      EXPECT_TRUE(result.ok()) << result.status();
      if (!result.ok()) break;
      for (Change& c : result->changes) log.push_back(std::move(c));
      if (result->watermark.has_value()) break;
      request.after_lsn = result->next_lsn;
    }
    return log;
  }

  void CheckNoLoss(int r) {
    Store& store = StoreOf(r);
    const std::string& name = Name(r);
    // The log holds each acknowledged dot of our scopes exactly once.
    using FieldKey = std::tuple<std::string, std::string, std::string>;
    std::set<std::string> logged, expected;
    std::map<FieldKey, std::set<std::string>> superseded;
    for (const Change& c : ReadLog(store)) {
      EXPECT_TRUE(logged.insert(DotString(c.dot())).second)
          << name << " logged " << DotString(c.dot()) << " twice";
      for (const FieldWrite& w : c.writes()) {
        for (const Dot& d : w.supersedes()) {
          superseded[{c.table(), c.row_id(), w.field()}].insert(DotString(d));
        }
      }
    }
    std::map<std::tuple<std::string, std::string, std::string>, int64_t> sums;
    std::map<std::pair<std::string, std::string>, int> furthest;
    for (const AckedWrite& w : acked_) {
      if (!replicas_[r].node.scopes.Contains(w.scope)) continue;
      if (w.dot.seq() != 0) expected.insert(DotString(w.dot));
      const TableDef* table = store.schema().table(w.table);
      ASSERT_NE(table, nullptr);
      absl::StatusOr<RowState> row = store.ReadRow(w.table, w.row_id);
      if (!row.ok()) {
        ADD_FAILURE() << name << " lost " << w.table << "/" << w.row_id << " ("
                      << DotString(w.dot) << "): " << row.status();
        continue;
      }
      if (table->is_insert_only()) {
        if (!w.check_content) continue;
        std::map<std::string, Value> want, have;
        for (const auto& [f, v] : w.fields) {
          if (v.kind_case() != Value::KIND_NOT_SET) want[f] = v;
        }
        for (const FieldState& f : row->fields()) {
          have[f.field()] = f.siblings(0).value();
        }
        bool same = want.size() == have.size();
        for (const auto& [f, v] : want) {
          same = same && have.count(f) && ValueEqual(have[f], v);
        }
        EXPECT_TRUE(same) << name << " " << w.table << "/" << w.row_id
                          << " content differs: " << row->DebugString();
        if (table->policy == MergePolicy::kLedger) {
          sums[{w.scope, want["item"].text_value(),
                want["location"].text_value()}] += want["qty"].int_value();
        }
        continue;
      }
      for (const auto& [field, value] : w.fields) {
        if (field == "status") {
          int& best = furthest[{w.table, w.row_id}];
          best = std::max(best, 1 + table->StateRank(*table->field(field),
                                                     value.text_value()));
        }
        const FieldState* state = FindField(*row, field);
        const Sibling* sibling = nullptr;
        if (state != nullptr) {
          for (const Sibling& s : state->siblings()) {
            if (DotEqual(s.dot(), w.dot)) sibling = &s;
          }
        }
        if (sibling != nullptr) {
          EXPECT_TRUE(ValueEqual(sibling->value(), value))
              << name << " " << w.table << "/" << w.row_id << "." << field
              << " " << DotString(w.dot) << " holds "
              << ValueToString(sibling->value()) << ", written "
              << ValueToString(value);
        } else {
          const FieldKey key(w.table, w.row_id, field);
          EXPECT_TRUE(superseded[key].count(DotString(w.dot)))
              << name << " LOST " << w.table << "/" << w.row_id << "." << field
              << " = " << ValueToString(value) << " (" << DotString(w.dot)
              << "): neither a sibling nor superseded. Row: "
              << row->DebugString();
        }
      }
    }
    EXPECT_EQ(logged, expected)
        << name << ": logged dots differ from acknowledged";
    // No sibling from nowhere; state fields at the furthest state written.
    for (const auto& [key, best] : furthest) {
      absl::StatusOr<RowState> row = store.ReadRow(key.first, key.second);
      ASSERT_TRUE(row.ok()) << row.status();
      const TableDef* table = store.schema().table(key.first);
      const FieldState* status = FindField(*row, "status");
      ASSERT_NE(status, nullptr) << row->DebugString();
      const Sibling* shown =
          ShownSibling(table->field("status"), *table, *status);
      EXPECT_EQ(shown->value().text_value(), kStates[best - 1])
          << name << " " << key.second
          << " did not converge to the furthest state";
    }
    for (const AckedWrite& w : acked_) {
      absl::StatusOr<RowState> row = store.ReadRow(w.table, w.row_id);
      if (!row.ok() || store.schema().table(w.table)->is_insert_only()) {
        continue;
      }
      for (const FieldState& f : row->fields()) {
        for (const Sibling& s : f.siblings()) {
          EXPECT_TRUE(expected.count(DotString(s.dot())))
              << name << " " << w.table << "/" << w.row_id << "." << f.field()
              << " has a sibling " << DotString(s.dot()) << " nobody wrote";
        }
      }
    }
    // Ledger balances are the sums of the acknowledged movements.
    decltype(sums) actual;
    absl::Status status = store.WithDatabase([&](Database* db) -> absl::Status {
      absl::StatusOr<std::unique_ptr<Statement>> st = db->Prepare(
          "SELECT scope, item, location, SUM(qty) FROM supplies "
          "GROUP BY scope, item, location");
      if (!st.ok()) return st.status();
      while (true) {
        absl::StatusOr<bool> row = (*st)->Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        actual[{(*st)->ColumnText(0), (*st)->ColumnText(1),
                (*st)->ColumnText(2)}] = (*st)->ColumnInt(3);
      }
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    EXPECT_EQ(actual, sums) << name << ": ledger balances differ";
    absl::StatusOr<std::vector<QuarantineEntry>> quarantine =
        store.ListQuarantine();
    ASSERT_TRUE(quarantine.ok()) << quarantine.status();
    for (const QuarantineEntry& q : *quarantine) {
      ADD_FAILURE() << name << " quarantined " << DotString(q.change.dot())
                    << ": " << q.reason;
    }
  }

  std::mt19937_64 rng_;
  Stats* const stats_;
  std::vector<Replica> replicas_;
  std::vector<std::pair<int, int>> edges_;
  double hub_writes_ = 0;
  int rows_per_scope_ = 2;
  bool all_relay_ = true;
  std::vector<std::unique_ptr<Link>> links_;
  std::deque<DeliveredBatch> delivered_;
  std::vector<AckedWrite> acked_;
  int movements_ = 0;
  std::vector<std::string> trace_;
};

int FailureCount() {
  return ::testing::UnitTest::GetInstance()
      ->current_test_info()
      ->result()
      ->total_part_count();
}

void RunSchedules(const std::string& test, Topology (*topology)(),
                  int default_count) {
  // Skew and negative-balance warnings are expected here.
  SetMinLogLevel(LogLevel::kError);
  std::vector<uint64_t> failed;
  Stats stats;
  for (uint64_t seed : SeedsFromEnv(default_count)) {
    SCOPED_TRACE(absl::StrCat("seed=", seed, " (rerun: OUTPOST_SEED=", seed,
                              " convergence_test --gtest_filter=Convergence.",
                              test, ")"));
    const int parts_before = FailureCount();
    std::vector<std::string> trace;
    {
      TempDir dir;
      Cluster cluster(topology(), seed, dir, &stats);
      ASSERT_TRUE(cluster.ok());
      cluster.Run();
      trace = cluster.trace();
    }
    if (FailureCount() != parts_before) {
      ADD_FAILURE() << "schedule " << seed << " failed; its operations:\n  "
                    << absl::StrJoin(trace, "\n  ");
      failed.push_back(seed);
      if (failed.size() >= kMaxFailedSchedules ||
          ::testing::Test::HasFatalFailure()) {
        break;
      }
    }
  }
  std::printf("[ STATS    ] %s: %s\n", test.c_str(), stats.ToString().c_str());
  EXPECT_TRUE(failed.empty())
      << "failing seeds: " << absl::StrJoin(failed, ", ");
}

TEST(Convergence, Mesh) { RunSchedules("Mesh", &Mesh, kDefaultMeshSchedules); }

TEST(Convergence, Star) { RunSchedules("Star", &Star, kDefaultStarSchedules); }

}  // namespace
}  // namespace outpost::sync
