// Store::ApplyRepair and the audited quarantine actions: a re-sent log heals
// a replica whose version vector counts a change it never applied, and an
// operator's action commits together with its record or not at all.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/sync/test_util.h"

namespace outpost::sync {
namespace {

using testing::OpenStore;
using testing::TempDir;

std::vector<Change> LogOf(Store& store, const std::string& scope) {
  ExtractRequest request;
  request.peer_scopes = ScopeSet::Of({scope});
  auto r = store.Extract(request);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? r->changes : std::vector<Change>{};
}

WriteRequest Row(const std::string& table, const std::string& id) {
  WriteRequest w;
  w.table = table;
  w.row_id = id;
  w.scope = "yatai";
  return w;
}

WriteRequest Resident(const std::string& id, const std::string& phone) {
  WriteRequest w = Row("residents", id);
  w.Set("phone", TextValue(phone));
  return w;
}

TEST(StoreRepairTest, AppliesWhatTheVersionVectorSkippedAndIsIdempotent) {
  TempDir dir;
  auto central = OpenStore(dir.File("c.db"), "central");
  auto yatai = OpenStore(dir.File("y.db"), "yatai", ScopeSet::Of({"yatai"}));
  ASSERT_TRUE(central->Write(Resident("r1", "1")).ok());
  ASSERT_TRUE(central->Write(Resident("r2", "2")).ok());
  // A watermark vouches for both changes, but only the first arrives.
  std::vector<Change> log = LogOf(*central, "yatai");
  ASSERT_EQ(log.size(), 2u);
  const PeerInfo peer{"central", ScopeSet::All()};
  ASSERT_TRUE(yatai->ApplyBatch(peer, {log[0]}, central->vv()).ok());
  EXPECT_TRUE(absl::IsNotFound(yatai->ReadValues("residents", "r2").status()));
  // Ordinary sync would never send it again: it counts as seen.
  auto again = yatai->ApplyBatch(peer, log, std::nullopt);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->duplicates, 2);
  EXPECT_NE(yatai->Digests()->size(), 0u);
  EXPECT_NE(*yatai->Digests(), *central->Digests());

  auto repaired = yatai->ApplyRepair({"central", ScopeSet::Of({"yatai"})}, log);
  ASSERT_TRUE(repaired.ok()) << repaired.status();
  EXPECT_EQ(repaired->applied, 1);
  EXPECT_EQ(repaired->duplicates, 1);
  EXPECT_EQ(yatai->ReadValues("residents", "r2")->at("phone").text_value(),
            "2");
  EXPECT_EQ(*yatai->Digests(), *central->Digests());
  // The repaired change is in yatai's log now, so yatai serves it onwards.
  EXPECT_EQ(LogOf(*yatai, "yatai").size(), 2u);
  auto twice = yatai->ApplyRepair({"central", ScopeSet::Of({"yatai"})}, log);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->applied, 0);
  EXPECT_EQ(twice->duplicates, 2);
}

TEST(StoreRepairTest, RefusedChangesAreQuarantinedOnceAndOutOfScopeRefused) {
  TempDir dir;
  auto central = OpenStore(dir.File("c.db"), "central");
  auto yatai = OpenStore(dir.File("y.db"), "yatai", ScopeSet::Of({"yatai"}));
  ASSERT_TRUE(central->Write(Resident("r1", "1")).ok());
  std::vector<Change> log = LogOf(*central, "yatai");
  // A peer repairing scope "beiling" may not write yatai's rows.
  auto r = yatai->ApplyRepair({"central", ScopeSet::Of({"beiling"})}, log);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->quarantined, 1);
  r = yatai->ApplyRepair({"central", ScopeSet::Of({"beiling"})}, log);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->duplicates, 1);  // already waiting for an operator
  EXPECT_EQ(yatai->ListQuarantine()->size(), 1u);
}

TEST(StoreRepairTest, QuarantineActionCommitsWithItsRecordOrNotAtAll) {
  TempDir dir;
  auto yatai = OpenStore(dir.File("y.db"), "yatai", ScopeSet::Of({"yatai"}));
  Change bad;
  bad.mutable_dot()->set_origin("newer");
  bad.mutable_dot()->set_seq(1);
  bad.set_table("vaccinations");
  bad.set_row_id("v1");
  bad.set_scope("yatai");
  bad.add_writes()->set_field("dose");
  ASSERT_TRUE(
      yatai->ApplyBatch({"newer", ScopeSet::All()}, {bad}, std::nullopt).ok());
  auto entries = yatai->ListQuarantine();
  ASSERT_EQ(entries->size(), 1u);
  const int64_t id = (*entries)[0].id;

  // A record that cannot be written (unknown table) undoes the discard.
  WriteRequest broken = Row("no_such_table", "a");
  broken.Set("x", TextValue("y"));
  EXPECT_FALSE(yatai->DiscardQuarantined(id, &broken).ok());
  EXPECT_EQ(yatai->ListQuarantine()->size(), 1u);

  WriteRequest record = Row("residents", "audit-1");
  record.Set("name", TextValue("discarded by op"));
  const int64_t lsn = yatai->LastLsn();
  ASSERT_TRUE(yatai->DiscardQuarantined(id, &record).ok());
  EXPECT_EQ(yatai->ListQuarantine()->size(), 0u);
  EXPECT_EQ(yatai->LastLsn(), lsn + 1);  // the record replicates
  EXPECT_TRUE(absl::IsNotFound(yatai->DiscardQuarantined(id, &record)));
}

}  // namespace
}  // namespace outpost::sync
