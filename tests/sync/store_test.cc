#include "sync/store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "sync/session.h"
#include "tests/sync/test_util.h"

namespace outpost::sync {
namespace {

using testing::OpenStore;
using ::testing::SizeIs;
using testing::TempDir;

WriteRequest Resident(const std::string& id, const std::string& phone) {
  WriteRequest w;
  w.table = "residents";
  w.row_id = id;
  w.scope = "yatai";
  w.author = "tester";
  w.Set("phone", TextValue(phone));
  return w;
}

// Exchanges everything both ways between two stores over an in-memory
// transport, each side in its own thread.
void Sync(Store* a, Store* b) {
  auto [ta, tb] = InMemoryTransport::CreatePair();
  SyncSession sa(a, {}), sb(b, {});
  absl::Status status_b;
  std::thread thread_b(
      [&] { status_b = RunSessionUntilIdle(sb, *tb, absl::Seconds(30)); });
  absl::Status status_a = RunSessionUntilIdle(sa, *ta, absl::Seconds(30));
  thread_b.join();
  ASSERT_TRUE(status_a.ok()) << status_a;
  ASSERT_TRUE(status_b.ok()) << status_b;
}

TEST(StoreTest, LocalWriteIsReadableAndLogged) {
  TempDir dir;
  auto store = OpenStore(dir.File("a.db"), "a");
  auto r = store->Write(Resident("r1", "111"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->dot.origin(), store->replica_id());
  EXPECT_EQ(NodeOfOrigin(r->dot.origin()), "a");
  EXPECT_EQ(r->dot.seq(), 1u);
  auto values = store->ReadValues("residents", "r1");
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_EQ((*values)["phone"].text_value(), "111");
  EXPECT_EQ(store->vv().NodeTotal("a"), 1u);
  EXPECT_EQ(store->LastLsn(), 1);
}

// What a peer of some scopes still lacks after a log position: only its
// scopes, only dots beyond what it has, and nullopt past the reading limit.
TEST(StoreTest, CountLackingCountsThePeersScopesBeyondWhatItHas) {
  TempDir dir;
  auto store = OpenStore(dir.File("a.db"), "a");
  for (int i = 0; i < 6; ++i) {
    WriteRequest w;
    w.table = "residents";
    w.row_id = absl::StrCat("r", i);
    w.scope = i % 2 == 0 ? "yatai" : "heping";
    w.Set("phone", TextValue(absl::StrCat(i)));
    ASSERT_TRUE(store->Write(w).ok());
  }
  const ScopeSet yatai = ScopeSet::Of({"yatai"});
  VersionVector none;
  auto all = store->CountLacking(0, yatai, none, 100);
  ASSERT_TRUE(all.ok() && all->has_value());
  EXPECT_EQ(**all, 3u);  // r0, r2, r4
  VersionVector has_two;
  has_two.Advance(store->replica_id(), 2);  // r0 and r1 already there
  auto rest = store->CountLacking(0, yatai, has_two, 100);
  EXPECT_EQ(**rest, 2u);
  auto after = store->CountLacking(4, yatai, none, 100);  // r4 and r5 left
  EXPECT_EQ(**after, 1u);
  auto capped = store->CountLacking(0, yatai, none, 5);
  ASSERT_TRUE(capped.ok());
  EXPECT_FALSE(capped->has_value());
  EXPECT_EQ(**store->CountLacking(0, ScopeSet::All(), none, 6), 6u);
}

TEST(StoreTest, ConcurrentEditsConflictThenResolve) {
  TempDir dir;
  auto a = OpenStore(dir.File("a.db"), "a");
  auto b = OpenStore(dir.File("b.db"), "b");
  ASSERT_TRUE(a->Write(Resident("r1", "111")).ok());
  Sync(a.get(), b.get());
  ASSERT_TRUE(a->Write(Resident("r1", "222")).ok());
  ASSERT_TRUE(b->Write(Resident("r1", "333")).ok());
  Sync(a.get(), b.get());
  auto ca = a->ListConflicts();
  auto cb = b->ListConflicts();
  ASSERT_TRUE(ca.ok() && cb.ok());
  ASSERT_THAT(*ca, SizeIs(1));
  ASSERT_THAT(*cb, SizeIs(1));
  EXPECT_EQ((*ca)[0].id, (*cb)[0].id);
  EXPECT_THAT((*ca)[0].values, SizeIs(2));
  Resolution res;
  res.pick = 1;
  res.reason = "called the resident";
  res.author = "op";
  ASSERT_TRUE(a->ResolveConflict((*ca)[0].id, res).ok());
  Sync(a.get(), b.get());
  EXPECT_THAT(*a->ListConflicts(), SizeIs(0));
  EXPECT_THAT(*b->ListConflicts(), SizeIs(0));
  auto da = a->Digests();
  auto db = b->Digests();
  ASSERT_EQ(da->size(), db->size());
  for (size_t i = 0; i < da->size(); ++i) {
    EXPECT_EQ((*da)[i].digest, (*db)[i].digest) << (*da)[i].table;
  }
}

TEST(StoreTest, LogListenersHearEveryCommitThatGrowsTheLog) {
  TempDir dir;
  auto a = OpenStore(dir.File("a.db"), "a");
  auto b = OpenStore(dir.File("b.db"), "b");
  std::atomic<int> heard_a{0}, heard_b{0};
  const int id = a->AddLogListener([&] { ++heard_a; });
  b->AddLogListener([&] { ++heard_b; });
  ASSERT_TRUE(a->Write(Resident("r1", "1")).ok());
  EXPECT_EQ(heard_a, 1);
  EXPECT_FALSE(a->Write(Resident("", "1")).ok());  // refused: no growth
  EXPECT_EQ(heard_a, 1);
  Sync(a.get(), b.get());
  EXPECT_GE(heard_b, 1);  // remote apply grew b's log
  a->RemoveLogListener(id);
  ASSERT_TRUE(a->Write(Resident("r2", "1")).ok());
  EXPECT_EQ(heard_a, 1);
}

TEST(StoreTest, GroupCommitManyWritersAllDurable) {
  TempDir dir;
  {
    auto store = OpenStore(dir.File("a.db"), "a");
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) {
          WriteRequest w;
          w.table = "passages";
          w.row_id = absl::StrCat("p", t, "-", 1000 + i);
          w.scope = "s";
          w.Set("checkpoint", TextValue("cp")).Set("temp", RealValue(36.6));
          if (!store->Write(w).ok()) ++failures;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(store->vv().NodeTotal("a"), 1600u);
  }
  // Reopen: everything acknowledged is there; the reopened file writes as a
  // new replica of the same node (sync/replica.h), from seq 1.
  auto store = OpenStore(dir.File("a.db"), "a");
  EXPECT_EQ(store->vv().NodeTotal("a"), 1600u);
  EXPECT_EQ(store->LastLsn(), 1600);
  auto r = store->Write(Resident("r1", "1"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->dot.origin(), store->replica_id());
  EXPECT_EQ(r->dot.seq(), 1u);
  EXPECT_EQ(store->vv().NodeTotal("a"), 1601u);
}

// Asynchronous writers share groups with synchronous ones; every callback
// runs once, refusals come back per write, and what a callback acknowledged
// is durable, including writes still queued when the store closes.
TEST(StoreTest, AsyncWritesShareGroupsWithSyncWriters) {
  TempDir dir;
  std::atomic<int> acknowledged{0}, refused{0}, callbacks{0};
  {
    auto store = OpenStore(dir.File("a.db"), "a");
    auto passage = [](const std::string& id) {
      WriteRequest w;
      w.table = "passages";
      w.row_id = id;
      w.scope = "s";
      w.Set("checkpoint", TextValue("cp")).Set("temp", RealValue(36.6));
      return w;
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) {
          const std::string id = absl::StrCat("p", t, "-", 1000 + i);
          if (t % 2 == 0) {
            EXPECT_TRUE(store->Write(passage(id)).ok());
            ++acknowledged;
            ++callbacks;
            continue;
          }
          std::vector<WriteRequest> writes = {passage(id)};
          if (i % 50 == 0) {  // refused as a whole: unknown field
            writes.push_back(passage(id + "x"));
            writes.back().Set("nope", TextValue("?"));
          }
          store->WriteAllAsync(
              std::move(writes),
              [&](absl::StatusOr<std::vector<WriteResult>> result) {
                ++callbacks;
                if (result.ok()) {
                  ++acknowledged;
                } else {
                  EXPECT_THAT(std::string(result.status().message()),
                              ::testing::HasSubstr("nope"));
                  ++refused;
                }
              });
        }
      });
    }
    for (auto& th : threads) th.join();
  }  // closing runs the callbacks of what is still queued
  EXPECT_EQ(callbacks, 800);
  EXPECT_EQ(refused, 8);
  auto store = OpenStore(dir.File("a.db"), "a");
  EXPECT_EQ(store->vv().NodeTotal("a"),
            static_cast<uint64_t>(acknowledged.load()));
  EXPECT_EQ(store->LastLsn(), acknowledged.load());
  EXPECT_FALSE(store->ReadValues("passages", "p1-1000x").ok());
}

TEST(StoreTest, BadWritesAreRefusedNamingTheField) {
  TempDir dir;
  auto store = OpenStore(dir.File("a.db"), "a", ScopeSet::Of({"yatai"}));
  WriteRequest w = Resident("r1", "1");
  w.Set("height", IntValue(3));
  auto r = store->Write(w);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("height"));
  w = Resident("r1", "1");
  w.Set("age", TextValue("old"));
  r = store->Write(w);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("age"));
  w = Resident("r1", "1");
  w.table = "nope";
  EXPECT_EQ(store->Write(w).status().code(),
            absl::StatusCode::kInvalidArgument);
  w = Resident("r1", "1");
  w.scope = "heping";
  EXPECT_EQ(store->Write(w).status().code(),
            absl::StatusCode::kPermissionDenied);
  // WriteAll is all or nothing.
  WriteRequest bad = Resident("r3", "3");
  bad.Set("phone", TextValue("dup"));
  auto all = store->WriteAll({Resident("r2", "2"), bad});
  EXPECT_FALSE(all.ok());
  EXPECT_FALSE(store->ReadValues("residents", "r2").ok());
  EXPECT_EQ(store->vv().NodeTotal("a"), 0u);
  EXPECT_EQ(store->LastLsn(), 0);
}

TEST(StoreTest, AppendOnlyRowsAreWrittenOnce) {
  TempDir dir;
  auto store = OpenStore(dir.File("a.db"), "a");
  WriteRequest w;
  w.table = "passages";
  w.row_id = "p1";
  w.scope = "s";
  w.Set("checkpoint", TextValue("cp")).Set("temp", RealValue(36.6));
  ASSERT_TRUE(store->Write(w).ok());
  EXPECT_EQ(store->Write(w).status().code(), absl::StatusCode::kAlreadyExists);
  w.idempotent = true;
  auto again = store->Write(w);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->existed);
  w.fields[1].second = RealValue(38.0);
  EXPECT_EQ(store->Write(w).status().code(), absl::StatusCode::kAlreadyExists);
  WriteRequest del = w;
  del.kind = WriteRequest::Kind::kDelete;
  EXPECT_EQ(store->Write(del).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->vv().NodeTotal("a"), 1u);
}

TEST(StoreTest, DeleteConcurrentWithEditIsAConflictSettledByRestore) {
  TempDir dir;
  auto a = OpenStore(dir.File("a.db"), "a");
  auto b = OpenStore(dir.File("b.db"), "b");
  ASSERT_TRUE(a->Write(Resident("r1", "111")).ok());
  Sync(a.get(), b.get());
  WriteRequest del;
  del.table = "residents";
  del.row_id = "r1";
  del.kind = WriteRequest::Kind::kDelete;
  ASSERT_TRUE(a->Write(del).ok());
  EXPECT_FALSE(a->ReadValues("residents", "r1").ok());
  EXPECT_EQ(a->Write(Resident("r1", "x")).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(b->Write(Resident("r1", "222")).ok());
  Sync(a.get(), b.get());
  auto ca = *a->ListConflicts();
  auto cb = *b->ListConflicts();
  ASSERT_THAT(ca, SizeIs(1));
  ASSERT_THAT(cb, SizeIs(1));
  EXPECT_EQ(ca[0].id, cb[0].id);
  EXPECT_EQ(ca[0].kind, ConflictKind::kDeleteVsUpdate);
  EXPECT_FALSE(b->ReadValues("residents", "r1").ok());  // deleted everywhere
  Resolution res;
  res.reason = "moved back";
  res.author = "op";
  EXPECT_EQ(b->ResolveConflict(cb[0].id, res).status().code(),
            absl::StatusCode::kInvalidArgument);
  res.row_action = Resolution::RowAction::kRestore;
  ASSERT_TRUE(b->ResolveConflict(cb[0].id, res).ok());
  Sync(a.get(), b.get());
  EXPECT_THAT(*a->ListConflicts(), SizeIs(0));
  auto values = a->ReadValues("residents", "r1");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ((*values)["phone"].text_value(), "222");
  // The resolution record replicated.
  int resolutions = 0;
  ASSERT_TRUE(a->WithDatabase([&](Database* db) -> absl::Status {
                 auto st = db->Prepare("SELECT COUNT(*) FROM sys_resolutions");
                 if (!st.ok()) return st.status();
                 auto row = (*st)->Step();
                 if (!row.ok()) return row.status();
                 resolutions = static_cast<int>((*st)->ColumnInt(0));
                 return absl::OkStatus();
               }).ok());
  EXPECT_EQ(resolutions, 1);
}

TEST(StoreTest, StateMachineConvergesToFurthestWithoutConflict) {
  TempDir dir;
  auto a = OpenStore(dir.File("a.db"), "a");
  auto b = OpenStore(dir.File("b.db"), "b");
  WriteRequest w;
  w.table = "requests";
  w.row_id = "q1";
  w.scope = "s";
  w.Set("status", TextValue("requested"));
  ASSERT_TRUE(a->Write(w).ok());
  Sync(a.get(), b.get());
  w.fields = {{"status", TextValue("delivered")}};
  ASSERT_TRUE(a->Write(w).ok());
  w.fields = {{"status", TextValue("accepted")}};
  ASSERT_TRUE(b->Write(w).ok());
  Sync(a.get(), b.get());
  EXPECT_EQ((*a->ReadValues("requests", "q1"))["status"].text_value(),
            "delivered");
  EXPECT_EQ((*b->ReadValues("requests", "q1"))["status"].text_value(),
            "delivered");
  EXPECT_THAT(*a->ListConflicts(), SizeIs(0));
  // Moving back needs an explicit operator action.
  w.fields = {{"status", TextValue("requested")}};
  EXPECT_EQ(a->Write(w).status().code(), absl::StatusCode::kFailedPrecondition);
  w.allow_backward = true;
  ASSERT_TRUE(a->Write(w).ok());
  EXPECT_EQ((*a->ReadValues("requests", "q1"))["status"].text_value(),
            "requested");
  w.fields = {{"status", TextValue("lost")}};
  EXPECT_EQ(a->Write(w).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(StoreTest, LedgerOverdrawAfterMergeIsReportedNotConflicting) {
  TempDir dir;
  auto a = OpenStore(dir.File("a.db"), "a");
  auto b = OpenStore(dir.File("b.db"), "b");
  auto move = [](const std::string& id, int64_t qty) {
    WriteRequest w;
    w.table = "supplies";
    w.row_id = id;
    w.scope = "s";
    w.Set("item", TextValue("masks")).Set("location", TextValue("office"));
    w.Set("qty", IntValue(qty));
    return w;
  };
  ASSERT_TRUE(a->Write(move("m1", 100)).ok());
  Sync(a.get(), b.get());
  ASSERT_TRUE(a->Write(move("m2", -80)).ok());
  ASSERT_TRUE(b->Write(move("m3", -70)).ok());
  PeerInfo peer{"b", ScopeSet::All()};
  ExtractRequest req;
  req.peer_vv = a->vv();
  req.peer_scopes = ScopeSet::All();
  auto extract = b->Extract(req);
  ASSERT_TRUE(extract.ok());
  auto applied = a->ApplyBatch(peer, extract->changes, extract->watermark);
  ASSERT_TRUE(applied.ok());
  ASSERT_THAT(applied->negative_balances, SizeIs(1));
  EXPECT_THAT(applied->negative_balances[0], ::testing::HasSubstr("-50"));
  EXPECT_THAT(*a->ListConflicts(), SizeIs(0));
  EXPECT_THAT(*a->NegativeBalances(), SizeIs(1));
}

TEST(StoreTest, CrashBeforeCommitLeavesNothing) {
  TempDir dir;
  auto a = OpenStore(dir.File("a.db"), "a");
  auto b = OpenStore(dir.File("b.db"), "b");
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(a->Write(Resident(absl::StrCat("r", i), "1")).ok());
  ExtractRequest req;
  req.peer_scopes = ScopeSet::All();
  auto extract = a->Extract(req);
  ASSERT_TRUE(extract.ok());
  PeerInfo peer{"a", ScopeSet::All()};
  b->set_fail_before_commit_for_test(true);
  EXPECT_FALSE(b->ApplyBatch(peer, extract->changes, extract->watermark).ok());
  b->set_fail_before_commit_for_test(false);
  EXPECT_EQ(b->vv().NodeTotal("a"), 0u);
  EXPECT_TRUE(b->Digests()->empty());
  EXPECT_FALSE(b->ReadValues("residents", "r1").ok());
  auto ok = b->ApplyBatch(peer, extract->changes, extract->watermark);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->applied, 10);
  auto dup = b->ApplyBatch(peer, extract->changes, extract->watermark);
  EXPECT_EQ(dup->duplicates, 10);
  EXPECT_EQ(*a->Digests(), *b->Digests());
}

TEST(StoreTest, GapFromNarrowerPeerWaitsUntilFilled) {
  TempDir dir;
  auto a = OpenStore(dir.File("a.db"), "a");
  auto c = OpenStore(dir.File("c.db"), "c");
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(a->Write(Resident(absl::StrCat("r", i), "1")).ok());
  ExtractRequest req;
  req.peer_scopes = ScopeSet::All();
  auto extract = a->Extract(req);
  ASSERT_EQ(extract->changes.size(), 3u);
  // A peer holding only scope "yatai" does not vouch for gaps: (a,2) and
  // (a,3) wait for (a,1).
  PeerInfo narrow{"n", ScopeSet::Of({"yatai"}), /*relay=*/true};
  auto r = c->ApplyBatch(narrow, {extract->changes[1], extract->changes[2]},
                         std::nullopt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->pending, 2);
  EXPECT_EQ(c->vv().NodeTotal("a"), 0u);
  EXPECT_EQ(c->pending_count(), 2);
  r = c->ApplyBatch(narrow, {extract->changes[0]}, std::nullopt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->applied, 1);
  EXPECT_EQ(r->released, 2);
  EXPECT_EQ(c->vv().NodeTotal("a"), 3u);
  EXPECT_EQ(c->pending_count(), 0);
  EXPECT_EQ(*a->Digests(), *c->Digests());
}

TEST(StoreTest, RefusesAnotherNodesDatabaseAndGarbage) {
  TempDir dir;
  { auto a = OpenStore(dir.File("a.db"), "a"); }
  StoreOptions options;
  options.path = dir.File("a.db");
  options.node_id = "b";
  options.schema = testing::TestSchema();
  auto other = Store::Open(options);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(other.status().message(),
              ::testing::HasSubstr("belongs to node \"a\""));
  {
    FILE* f = fopen(dir.File("junk.db").c_str(), "w");
    for (int i = 0; i < 4096; ++i) fputc('x', f);
    fclose(f);
  }
  options.path = dir.File("junk.db");
  auto junk = Store::Open(options);
  EXPECT_FALSE(junk.ok());
  options.node_id = "bad id";
  EXPECT_EQ(Store::Open(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace outpost::sync
