#include "sync/session.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "tests/sync/test_util.h"

namespace outpost::sync {
namespace {

using testing::Exchange;
using ::testing::HasSubstr;
using testing::OpenStore;
using ::testing::SizeIs;
using testing::TempDir;

WriteRequest Passage(const std::string& id, const std::string& scope) {
  WriteRequest w;
  w.table = "passages";
  w.row_id = id;
  w.scope = scope;
  w.Set("checkpoint", TextValue("cp1")).Set("temp", RealValue(36.5));
  return w;
}

TEST(SessionTest, TwoNodesExchangeBothWays) {
  TempDir dir;
  auto a = OpenStore(dir.File("a.db"), "a");
  auto b = OpenStore(dir.File("b.db"), "b");
  for (int i = 0; i < 2500; ++i) {
    ASSERT_TRUE(a->Write(Passage(absl::StrCat("pa", 100000 + i), "s1")).ok());
  }
  ASSERT_TRUE(b->Write(Passage("pb1", "s2")).ok());
  SessionOptions small;
  small.max_batch_changes = 100;
  SyncSession sa(a.get(), small), sb(b.get(), small);
  ASSERT_TRUE(Exchange(sa, sb).ok());
  EXPECT_EQ(a->vv(), b->vv());
  EXPECT_EQ(*a->Digests(), *b->Digests());
  EXPECT_TRUE(sa.outbound_idle());
  EXPECT_TRUE(sb.inbound_caught_up());
  EXPECT_EQ(sb.stats().changes_received, 2500);
  EXPECT_GE(sa.stats().batches_sent, 25);
}

TEST(SessionTest, SchemaMismatchIsFailedPreconditionNamingBoth) {
  TempDir dir;
  auto a = OpenStore(dir.File("a.db"), "a");
  SyncSession sa(a.get(), {});
  SyncMessage hello = sa.Start()[0];
  hello.mutable_hello()->set_node_id("b");
  hello.mutable_hello()->set_schema_version("ffff");
  auto out = sa.Handle(hello);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(out.status().message(), HasSubstr("ffff"));
  EXPECT_THAT(out.status().message(), HasSubstr(a->schema().Version()));

  hello = sa.Start()[0];
  hello.mutable_hello()->set_node_id("b");
  hello.mutable_hello()->set_protocol_version(99);
  SyncSession sa2(a.get(), {});
  out = sa2.Handle(hello);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(out.status().message(), HasSubstr("99"));
}

TEST(SessionTest, OutOfOrderBatchIsRejected) {
  TempDir dir;
  auto a = OpenStore(dir.File("a.db"), "a");
  SyncSession sa(a.get(), {});
  SyncMessage hello = sa.Start()[0];
  hello.mutable_hello()->set_node_id("b");
  ASSERT_TRUE(sa.Handle(hello).ok());
  SyncMessage batch;
  batch.mutable_batch()->set_batch_seq(2);
  auto out = sa.Handle(batch);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SessionTest, CutMidStreamResumesFromVersionVectors) {
  TempDir dir;
  auto a = OpenStore(dir.File("a.db"), "a");
  auto b = OpenStore(dir.File("b.db"), "b");
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(a->Write(Passage(absl::StrCat("p", 10000 + i), "s1")).ok());
  }
  SessionOptions small;
  small.max_batch_changes = 50;
  {
    SyncSession sa(a.get(), small), sb(b.get(), small);
    // Deliver only a few messages, then drop the rest (a cut).
    ASSERT_TRUE(Exchange(sa, sb, /*max_messages=*/8).ok());
  }
  const uint64_t partial = b->vv().NodeTotal("a");
  EXPECT_GT(partial, 0u);
  EXPECT_LT(partial, 1000u);
  SyncSession sa(a.get(), small), sb(b.get(), small);
  ASSERT_TRUE(Exchange(sa, sb).ok());
  EXPECT_EQ(b->vv().NodeTotal("a"), 1000u);
  EXPECT_EQ(*a->Digests(), *b->Digests());
  // Nothing was sent twice beyond the unacked window.
  EXPECT_LE(sb.stats().changes_received, 1000 - static_cast<int64_t>(partial));
}

TEST(SessionTest, StarTopologyKeepsScopesAndRelays) {
  TempDir dir;
  auto central = OpenStore(dir.File("c.db"), "central");
  auto yatai = OpenStore(dir.File("y.db"), "yatai", ScopeSet::Of({"yatai"}));
  auto heping = OpenStore(dir.File("h.db"), "heping", ScopeSet::Of({"heping"}));
  ASSERT_TRUE(yatai->Write(Passage("y1", "yatai")).ok());
  ASSERT_TRUE(heping->Write(Passage("h1", "heping")).ok());
  ASSERT_TRUE(central->Write(Passage("c1", "yatai")).ok());
  ASSERT_TRUE(central->Write(Passage("c2", "heping")).ok());
  // A community cannot write outside its scope.
  auto refused = yatai->Write(Passage("y2", "heping"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);

  for (int round = 0; round < 2; ++round) {
    for (Store* community : {yatai.get(), heping.get()}) {
      SessionOptions up;
      up.peer_is_upstream = true;  // central relays the other's changes
      SyncSession sc(central.get(), {}), sm(community, up);
      ASSERT_TRUE(Exchange(sc, sm).ok());
    }
  }
  EXPECT_TRUE(central->ReadValues("passages", "y1").ok());
  EXPECT_TRUE(central->ReadValues("passages", "h1").ok());
  EXPECT_TRUE(yatai->ReadValues("passages", "c1").ok());
  EXPECT_FALSE(yatai->ReadValues("passages", "c2").ok());  // other scope
  EXPECT_FALSE(yatai->ReadValues("passages", "h1").ok());
  EXPECT_TRUE(heping->ReadValues("passages", "c2").ok());
  // Each community's version vector advanced past what it does not hold.
  EXPECT_EQ(yatai->vv(), central->vv());
  EXPECT_EQ(heping->vv(), central->vv());
  const std::vector<DigestEntry> community_digests = *yatai->Digests();
  const std::vector<DigestEntry> central_digests = *central->Digests();
  ASSERT_FALSE(community_digests.empty());
  for (const auto& d : community_digests) {
    for (const auto& c : central_digests) {
      if (c.table == d.table && c.scope == d.scope) {
        EXPECT_EQ(c.digest, d.digest);
      }
    }
  }
}

TEST(SessionTest, ChangeOutsideSendersScopeIsQuarantined) {
  TempDir dir;
  auto central = OpenStore(dir.File("c.db"), "central");
  Change change;
  change.mutable_dot()->set_origin("yatai");
  change.mutable_dot()->set_seq(1);
  change.set_hlc(1);
  change.set_table("passages");
  change.set_row_id("x1");
  change.set_scope("heping");  // not yatai's
  auto* w = change.add_writes();
  w->set_field("checkpoint");
  *w->mutable_value() = TextValue("cp");
  Change good = change;
  good.mutable_dot()->set_seq(2);
  good.set_scope("yatai");
  good.set_row_id("x2");
  Change unknown = good;
  unknown.mutable_dot()->set_seq(3);
  unknown.set_table("vaccinations");
  PeerInfo peer{"yatai", ScopeSet::Of({"yatai"})};
  auto result =
      central->ApplyBatch(peer, {change, good, unknown}, std::nullopt);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->applied, 1);
  EXPECT_EQ(result->quarantined, 2);
  EXPECT_EQ(central->vv().NodeTotal("yatai"), 3u);  // never blocks the stream
  auto q = central->ListQuarantine();
  ASSERT_THAT(*q, SizeIs(2));
  EXPECT_THAT((*q)[0].reason, HasSubstr("heping"));
  EXPECT_THAT((*q)[1].reason, HasSubstr("vaccinations"));
  EXPECT_FALSE(central->ReadValues("passages", "x1").ok());
  EXPECT_FALSE(central->RetryQuarantined((*q)[0].id).ok());
  EXPECT_TRUE(central->DiscardQuarantined((*q)[0].id).ok());
  EXPECT_THAT(*central->ListQuarantine(), SizeIs(1));
}

TEST(SessionTest, InMemoryTransportThreadsConverge) {
  TempDir dir;
  auto a = OpenStore(dir.File("a.db"), "a");
  auto b = OpenStore(dir.File("b.db"), "b");
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(a->Write(Passage(absl::StrCat("p", 1000 + i), "s")).ok());
    ASSERT_TRUE(b->Write(Passage(absl::StrCat("q", 1000 + i), "s")).ok());
  }
  auto [ta, tb] = InMemoryTransport::CreatePair();
  SyncSession sa(a.get(), {}), sb(b.get(), {});
  absl::Status sb_status;
  std::thread t(
      [&] { sb_status = RunSessionUntilIdle(sb, *tb, absl::Seconds(30)); });
  absl::Status sa_status = RunSessionUntilIdle(sa, *ta, absl::Seconds(30));
  t.join();
  ASSERT_TRUE(sa_status.ok()) << sa_status;
  ASSERT_TRUE(sb_status.ok()) << sb_status;
  EXPECT_EQ(a->vv(), b->vv());
  EXPECT_EQ(*a->Digests(), *b->Digests());
}

}  // namespace
}  // namespace outpost::sync
