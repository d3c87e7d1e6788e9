// Replication trust in the engine (sync/replica.h): a replica's identity
// survives nothing that happens to its file, a peer speaks only for itself
// (or relays as an upstream), a dot is never bound to two contents silently,
// and a far-future clock never moves ours.
#include "sync/replica.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "absl/strings/str_cat.h"
#include "sync/session.h"
#include "tests/sync/test_util.h"

namespace outpost::sync {
namespace {

using testing::Exchange;
using ::testing::HasSubstr;
using testing::OpenStore;
using ::testing::SizeIs;
using testing::TempDir;

constexpr int64_t kNowMs = 1'700'000'000'000;

WriteRequest Resident(const std::string& id, const std::string& scope,
                      const std::string& name) {
  WriteRequest w;
  w.table = "residents";
  w.row_id = id;
  w.scope = scope;
  w.Set("name", TextValue(name));
  return w;
}

// A change as a (possibly hostile) peer sends it: one field of a residents
// row, or its _deleted flag.
Change RemoteResident(const std::string& origin, uint64_t seq, uint64_t hlc,
                      const std::string& id, const std::string& scope,
                      const std::string& field, Value value) {
  Change c;
  c.mutable_dot()->set_origin(origin);
  c.mutable_dot()->set_seq(seq);
  c.set_hlc(hlc);
  c.set_table("residents");
  c.set_row_id(id);
  c.set_scope(scope);
  auto* w = c.add_writes();
  w->set_field(field);
  *w->mutable_value() = std::move(value);
  return c;
}

// Everything `store` holds, from its log.
std::vector<Change> AllChanges(Store& store) {
  ExtractRequest all;
  all.peer_scopes = ScopeSet::All();
  auto extract = store.Extract(all);
  EXPECT_TRUE(extract.ok()) << extract.status();
  return extract.ok() ? extract->changes : std::vector<Change>();
}

// Stopped node's files copied aside (a backup, or a second PC's disk).
void CopyDb(const std::string& from, const std::string& to) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(to + suffix);
    if (std::filesystem::exists(from + suffix)) {
      std::filesystem::copy_file(from + suffix, to + suffix);
    }
  }
}

// A community and its central office: the community's session treats
// central as its upstream (a relay); central's takes only the community's
// own changes from it.
absl::Status SyncWithCentral(Store& community, Store& central) {
  SessionOptions up;
  up.peer_is_upstream = true;
  SyncSession at_community(&community, up);
  SyncSession at_central(&central, SessionOptions());
  return Exchange(at_community, at_central);
}

std::unique_ptr<Store> OpenCommunity(const TempDir& dir,
                                     const std::string& file,
                                     PhysicalClock* clock = nullptr,
                                     const std::string& replica = "") {
  return OpenStore(dir.File(file), "yatai", ScopeSet::Of({"yatai"}), clock,
                   replica);
}

TEST(ReplicaTest, EveryOpenWritesAsANewReplicaOfTheSameNode) {
  TempDir dir;
  std::string first;
  {
    auto a = OpenCommunity(dir, "a.db");
    first = a->replica_id();
    EXPECT_EQ(NodeOfOrigin(first), "yatai");
    auto r = a->Write(Resident("r1", "yatai", "Li"));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->dot.origin(), first);
    EXPECT_EQ(r->dot.seq(), 1u);
  }
  auto a = OpenCommunity(dir, "a.db");
  EXPECT_NE(a->replica_id(), first);
  auto r = a->Write(Resident("r2", "yatai", "Wang"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->dot.origin(), a->replica_id());
  EXPECT_EQ(r->dot.seq(), 1u);
  EXPECT_EQ(a->vv().NodeTotal("yatai"), 2u);
}

TEST(ReplicaTest, AReplicaIdOfAnotherNodeIsRefusedAtOpen) {
  TempDir dir;
  StoreOptions options;
  options.path = dir.File("a.db");
  options.node_id = "yatai";
  options.schema = testing::TestSchema();
  options.replica_id = "heping/abc";
  auto store = Store::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
}

// The first story: the PC dies after syncing 5 residents, a new PC
// starts with the same node id and an empty database while the line is
// down, and registers 3 residents. Everything ends up everywhere.
TEST(ReplicaTest, AReplacedPcLosesNothing) {
  TempDir dir;
  auto central = OpenStore(dir.File("central.db"), "central");
  {
    auto old_pc = OpenCommunity(dir, "old.db");
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(
          old_pc->Write(Resident(absl::StrCat("old", i), "yatai", "x")).ok());
    }
    ASSERT_TRUE(SyncWithCentral(*old_pc, *central).ok());
  }
  auto new_pc = OpenCommunity(dir, "new.db");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        new_pc->Write(Resident(absl::StrCat("new", i), "yatai", "y")).ok());
  }
  ASSERT_TRUE(SyncWithCentral(*new_pc, *central).ok());
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(new_pc->ReadRow("residents", absl::StrCat("old", i)).ok());
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(central->ReadRow("residents", absl::StrCat("new", i)).ok())
        << "central never got new" << i;
  }
  EXPECT_EQ(*new_pc->Digests(), *central->Digests());
  EXPECT_EQ(central->vv().NodeTotal("yatai"), 8u);
}

// A PC restored from an older copy of its database, and a second PC started
// from a copy of the same database, each writing while central is away.
TEST(ReplicaTest, ARestoredCopyAndAClonedPcLoseNothing) {
  TempDir dir;
  auto central = OpenStore(dir.File("central.db"), "central");
  {
    auto pc = OpenCommunity(dir, "pc.db");
    ASSERT_TRUE(pc->Write(Resident("r0", "yatai", "a")).ok());
    ASSERT_TRUE(SyncWithCentral(*pc, *central).ok());
  }
  CopyDb(dir.File("pc.db"), dir.File("backup.db"));
  {
    auto pc = OpenCommunity(dir, "pc.db");
    for (int i = 1; i <= 4; ++i) {
      ASSERT_TRUE(pc->Write(Resident(absl::StrCat("r", i), "yatai", "b")).ok());
    }
    ASSERT_TRUE(SyncWithCentral(*pc, *central).ok());
  }
  // Yesterday's copy comes back on the PC, and also goes onto a second PC.
  CopyDb(dir.File("backup.db"), dir.File("pc.db"));
  CopyDb(dir.File("backup.db"), dir.File("clone.db"));
  auto restored = OpenCommunity(dir, "pc.db");
  auto clone = OpenCommunity(dir, "clone.db");
  ASSERT_TRUE(restored->Write(Resident("restored1", "yatai", "c")).ok());
  ASSERT_TRUE(restored->Write(Resident("r1", "yatai", "edited")).ok());
  ASSERT_TRUE(clone->Write(Resident("clone1", "yatai", "d")).ok());
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(SyncWithCentral(*restored, *central).ok());
    ASSERT_TRUE(SyncWithCentral(*clone, *central).ok());
  }
  for (const char* id : {"r0", "r1", "r2", "r3", "r4", "restored1", "clone1"}) {
    EXPECT_TRUE(central->ReadRow("residents", id).ok()) << id;
    EXPECT_TRUE(restored->ReadRow("residents", id).ok()) << id;
    EXPECT_TRUE(clone->ReadRow("residents", id).ok()) << id;
  }
  // r1 was written twice (before the restore, and on the restored copy
  // without seeing that): a conflict, not a silent loss.
  auto conflicts = central->ListConflicts();
  ASSERT_TRUE(conflicts.ok());
  EXPECT_THAT(*conflicts, SizeIs(1));
  EXPECT_EQ(*restored->Digests(), *central->Digests());
  EXPECT_EQ(*clone->Digests(), *central->Digests());
  EXPECT_EQ(central->dot_conflicts(), 0);
}

// The old bug, reproduced by forcing two files to write as one replica: the
// second content of a dot is detected and kept for operators, not dropped.
TEST(ReplicaTest, ADotWithTwoContentsIsQuarantinedNotDropped) {
  TempDir dir;
  auto central = OpenStore(dir.File("central.db"), "central");
  auto a = OpenCommunity(dir, "a.db", nullptr, "yatai/same");
  auto b = OpenCommunity(dir, "b.db", nullptr, "yatai/same");
  ASSERT_TRUE(a->Write(Resident("ra", "yatai", "from a")).ok());
  ASSERT_TRUE(b->Write(Resident("rb", "yatai", "from b")).ok());
  ASSERT_TRUE(SyncWithCentral(*a, *central).ok());
  // b's change 1 looks seen to a session; a repair-like re-send shows it.
  const PeerInfo from_b{"yatai", ScopeSet::Of({"yatai"})};
  const std::vector<Change> from_b_log = AllChanges(*b);
  ASSERT_THAT(from_b_log, SizeIs(1));
  const Change& rb = from_b_log[0];
  auto result = central->ApplyBatch(from_b, {rb}, std::nullopt);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->dot_conflicts, 1);
  EXPECT_EQ(central->dot_conflicts(), 1);
  auto quarantine = central->ListQuarantine();
  ASSERT_TRUE(quarantine.ok());
  ASSERT_THAT(*quarantine, SizeIs(1));
  EXPECT_EQ(quarantine->at(0).code,
            static_cast<int>(absl::StatusCode::kDataLoss));
  EXPECT_THAT(quarantine->at(0).reason, HasSubstr("other content"));
  EXPECT_EQ(quarantine->at(0).change.row_id(), "rb");
  // The content central holds for that dot is a plain duplicate.
  result = central->ApplyBatch(from_b, AllChanges(*a), std::nullopt);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->dot_conflicts, 0);
  EXPECT_EQ(result->duplicates, 1);
}

// A node certificate's holder sends changes labelled with another node's
// origin: refused, counted, and the vv does not move, so the genuine
// changes still arrive.
TEST(ReplicaTest, APeerCannotSpeakForAnotherNode) {
  TempDir dir;
  auto central = OpenStore(dir.File("central.db"), "central");
  auto yatai = OpenCommunity(dir, "yatai.db");
  ASSERT_TRUE(yatai->Write(Resident("genuine", "yatai", "real")).ok());
  const Change forged = RemoteResident(yatai->replica_id(), 1, 1, "forged",
                                       "yatai", "name", TextValue("fake"));
  // heping may write scope yatai here (say, misconfigured --peer_scopes):
  // the origin still is not heping's.
  const PeerInfo heping{"heping", ScopeSet::Of({"heping", "yatai"})};
  VersionVector watermark;
  watermark.Advance(yatai->replica_id(), 100);
  auto result = central->ApplyBatch(heping, {forged}, watermark);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->refused, 1);
  EXPECT_EQ(result->applied, 0);
  EXPECT_EQ(central->vv().NodeTotal("yatai"), 0u);
  ASSERT_THAT(central->Refusals(), SizeIs(1));
  EXPECT_EQ(central->Refusals()[0].peer, "heping");
  EXPECT_EQ(central->Refusals()[0].count, 1);
  EXPECT_THAT(central->Refusals()[0].reason, HasSubstr("node yatai"));
  // A second forgery counts, without a second reason line.
  ASSERT_TRUE(central->ApplyBatch(heping, {forged}, std::nullopt).ok());
  EXPECT_EQ(central->Refusals()[0].count, 2);
  ASSERT_TRUE(SyncWithCentral(*yatai, *central).ok());
  auto row = central->ReadValues("residents", "genuine");
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_FALSE(central->ReadRow("residents", "forged").ok());
  // The upstream relays: the same change from central is accepted.
  auto relayed = OpenCommunity(dir, "second.db");
  const PeerInfo upstream{"central", ScopeSet::All(), /*relay=*/true};
  result = relayed->ApplyBatch(upstream, AllChanges(*central), std::nullopt);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->applied, 1);
  EXPECT_EQ(result->refused, 0);
}

// A peer plants a tombstone under a row id it never had (another
// community's report id, say): refused, and the genuine row still applies.
TEST(ReplicaTest, ADeleteOfARowUnknownHereIsRefused) {
  TempDir dir;
  auto central = OpenStore(dir.File("central.db"), "central");
  auto yatai = OpenCommunity(dir, "yatai.db");
  const Change tombstone = RemoteResident("heping/x", 1, 1, "r1", "heping",
                                          kDeletedField, BoolValue(true));
  auto result = central->ApplyBatch({"heping", ScopeSet::Of({"heping"})},
                                    {tombstone}, std::nullopt);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->quarantined, 1);
  auto quarantine = central->ListQuarantine();
  ASSERT_TRUE(quarantine.ok());
  ASSERT_THAT(*quarantine, SizeIs(1));
  EXPECT_THAT(quarantine->at(0).reason, HasSubstr("unknown here"));
  ASSERT_TRUE(yatai->Write(Resident("r1", "yatai", "genuine")).ok());
  ASSERT_TRUE(SyncWithCentral(*yatai, *central).ok());
  auto values = central->ReadValues("residents", "r1");
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_EQ(values->at("name").text_value(), "genuine");
}

// One change from a PC whose clock says 2126: our clock does not move, the
// change waits, and is applied once our time gets there.
TEST(ReplicaTest, AFarFutureClockNeverMovesOursAndTheChangeWaits) {
  TempDir dir;
  FakeClock here(kNowMs), there(kNowMs + int64_t{100} * 365 * 24 * 3600 * 1000);
  auto central =
      OpenStore(dir.File("central.db"), "central", ScopeSet::All(), &here);
  auto yatai = OpenCommunity(dir, "yatai.db", &there);
  ASSERT_TRUE(yatai->Write(Resident("r1", "yatai", "future")).ok());
  ASSERT_TRUE(yatai->Write(Resident("r1", "yatai", "later")).ok());
  ASSERT_TRUE(SyncWithCentral(*yatai, *central).ok());
  EXPECT_LT(HlcPhysicalMs(central->clock().last()), kNowMs + 1000);
  EXPECT_EQ(central->pending_count(), 2);  // both dated 2126
  EXPECT_FALSE(central->ReadRow("residents", "r1").ok());
  EXPECT_EQ(central->clock().skew_warnings(), 2);  // once each, however
                                                   // often they are offered
  auto own = central->Write(Resident("r9", "yatai", "today"));
  ASSERT_TRUE(own.ok());
  EXPECT_LT(HlcPhysicalMs(own->hlc), kNowMs + 1000);
  // Nothing is due yet.
  auto released = central->RetryDueHeld();
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(*released, 0);
  // A century later (or after an operator fixed the clocks).
  here.Set(kNowMs + int64_t{100} * 365 * 24 * 3600 * 1000);
  released = central->RetryDueHeld();
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_EQ(*released, 2);
  auto values = central->ReadValues("residents", "r1");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(values->at("name").text_value(), "later");
}

TEST(ReplicaTest, TheLargestTimestampNeitherOverflowsNorMovesTheClock) {
  TempDir dir;
  FakeClock here(kNowMs);
  auto central =
      OpenStore(dir.File("central.db"), "central", ScopeSet::All(), &here);
  const Change change =
      RemoteResident("yatai/x", 1, std::numeric_limits<uint64_t>::max(), "r1",
                     "yatai", "name", TextValue("x"));
  auto result = central->ApplyBatch({"yatai", ScopeSet::Of({"yatai"})},
                                    {change}, std::nullopt);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->pending, 1);
  EXPECT_EQ(result->skew_warnings, 1);
  const uint64_t before = central->clock().last();
  auto own = central->Write(Resident("r2", "yatai", "y"));
  ASSERT_TRUE(own.ok());
  EXPECT_GT(own->hlc, before);
  EXPECT_LT(HlcPhysicalMs(own->hlc), kNowMs + 1000);
}

// Acks carry only what moved: a vv with many replicas is not resent per
// batch.
TEST(ReplicaTest, AcksCarryOnlyTheEntriesThatMoved) {
  TempDir dir;
  auto central = OpenStore(dir.File("central.db"), "central");
  for (int run = 0; run < 20; ++run) {
    auto pc = OpenCommunity(dir, "pc.db");
    ASSERT_TRUE(pc->Write(Resident(absl::StrCat("r", run), "yatai", "x")).ok());
    ASSERT_TRUE(SyncWithCentral(*pc, *central).ok());
  }
  ASSERT_EQ(central->vv().entries().size(), 20u);
  auto pc = OpenCommunity(dir, "pc.db");
  ASSERT_TRUE(pc->Write(Resident("last", "yatai", "x")).ok());
  SessionOptions up;
  up.peer_is_upstream = true;
  SyncSession at_pc(pc.get(), up), at_central(central.get(), {});
  const std::vector<SyncMessage> pc_hello = at_pc.Start();
  const std::vector<SyncMessage> central_hello = at_central.Start();
  EXPECT_EQ(central_hello[0].hello().vv().entries_size(), 20);
  ASSERT_TRUE(at_central.Handle(pc_hello[0]).ok());
  auto batches = at_pc.Handle(central_hello[0]);
  ASSERT_TRUE(batches.ok()) << batches.status();
  int acks = 0;
  for (const SyncMessage& batch : *batches) {
    if (!batch.has_batch()) continue;
    auto replies = at_central.Handle(batch);
    ASSERT_TRUE(replies.ok()) << replies.status();
    for (const SyncMessage& reply : *replies) {
      if (!reply.has_ack()) continue;
      ++acks;
      EXPECT_EQ(reply.ack().vv().entries_size(), 1)
          << reply.ack().vv().DebugString();
    }
  }
  EXPECT_GE(acks, 1);
}

}  // namespace
}  // namespace outpost::sync
