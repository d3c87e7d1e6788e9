#include "sync/version_vector.h"

#include <gtest/gtest.h>

#include <string>

#include "sync/merge.h"
#include "sync/replica.h"

namespace outpost::sync {
namespace {

VersionVector Vv(
    std::initializer_list<std::pair<const char*, uint64_t>> entries) {
  VersionVector vv;
  for (const auto& [origin, seq] : entries) vv.Advance(origin, seq);
  return vv;
}

TEST(VersionVectorTest, EmptyKnowsNothing) {
  VersionVector vv;
  EXPECT_EQ(vv.Get("n1"), 0u);
  EXPECT_TRUE(vv.entries().empty());
  EXPECT_FALSE(vv.Seen(MakeDot("n1", 1)));
  // seq 0 is "nothing": every vector has seen it.
  EXPECT_TRUE(vv.Seen(MakeDot("n1", 0)));
  EXPECT_EQ(vv.DebugString(), "{}");
}

TEST(VersionVectorTest, AdvanceReportsChange) {
  VersionVector vv;
  EXPECT_TRUE(vv.Advance("n1", 3));
  EXPECT_EQ(vv.Get("n1"), 3u);
  EXPECT_FALSE(vv.Advance("n1", 3));  // same
  EXPECT_FALSE(vv.Advance("n1", 2));  // lower: never goes back
  EXPECT_EQ(vv.Get("n1"), 3u);
  EXPECT_TRUE(vv.Advance("n1", 10));
  EXPECT_EQ(vv.Get("n1"), 10u);
  EXPECT_EQ(vv.Get("n2"), 0u);
}

TEST(VersionVectorTest, AdvanceIgnoresSeqZero) {
  VersionVector vv;
  EXPECT_FALSE(vv.Advance("n1", 0));
  EXPECT_TRUE(vv.entries().empty());
  EXPECT_EQ(vv, VersionVector());
}

TEST(VersionVectorTest, SeenIsGetAtLeastSeq) {
  VersionVector vv = Vv({{"n1", 5}});
  EXPECT_TRUE(vv.Seen(MakeDot("n1", 1)));
  EXPECT_TRUE(vv.Seen(MakeDot("n1", 5)));
  EXPECT_FALSE(vv.Seen(MakeDot("n1", 6)));
  EXPECT_FALSE(vv.Seen(MakeDot("n2", 1)));
}

TEST(VersionVectorTest, MergeIsPointwiseMax) {
  VersionVector a = Vv({{"n1", 5}, {"n2", 1}});
  const VersionVector b = Vv({{"n2", 7}, {"n3", 2}, {"n1", 4}});
  a.Merge(b);
  EXPECT_EQ(a, Vv({{"n1", 5}, {"n2", 7}, {"n3", 2}}));
  EXPECT_EQ(a.DebugString(), "{n1:5, n2:7, n3:2}");

  // Commutative and idempotent.
  VersionVector c = b;
  c.Merge(Vv({{"n1", 5}, {"n2", 1}}));
  EXPECT_EQ(c, a);
  VersionVector d = a;
  d.Merge(a);
  EXPECT_EQ(d, a);
}

TEST(VersionVectorTest, Dominates) {
  const VersionVector empty;
  const VersionVector a = Vv({{"n1", 5}, {"n2", 3}});
  EXPECT_TRUE(a.Dominates(empty));
  EXPECT_FALSE(empty.Dominates(a));
  EXPECT_TRUE(empty.Dominates(empty));
  EXPECT_TRUE(a.Dominates(a));
  EXPECT_TRUE(a.Dominates(Vv({{"n1", 5}})));
  EXPECT_TRUE(a.Dominates(Vv({{"n1", 4}, {"n2", 3}})));
  EXPECT_FALSE(a.Dominates(Vv({{"n1", 6}})));
  EXPECT_FALSE(a.Dominates(Vv({{"n3", 1}})));  // unknown origin
  // Concurrent vectors dominate neither way.
  const VersionVector b = Vv({{"n1", 6}, {"n2", 2}});
  EXPECT_FALSE(a.Dominates(b));
  EXPECT_FALSE(b.Dominates(a));
}

TEST(VersionVectorTest, CountAhead) {
  const VersionVector a = Vv({{"n1", 5}, {"n2", 3}, {"n3", 1}});
  const VersionVector b = Vv({{"n1", 2}, {"n2", 7}, {"n4", 9}});
  // n1: 5-2, n2: behind (0, not -4), n3: 1-0; n4 only in b does not count.
  EXPECT_EQ(a.CountAhead(b), 4u);
  // n2: 7-3, n4: 9.
  EXPECT_EQ(b.CountAhead(a), 13u);
  EXPECT_EQ(a.CountAhead(a), 0u);
  EXPECT_EQ(a.CountAhead(VersionVector()), 9u);
  EXPECT_EQ(VersionVector().CountAhead(a), 0u);
}

TEST(VersionVectorTest, ToProtoSortedByOrigin) {
  VersionVector vv;
  vv.Advance("zulu", 1);
  vv.Advance("alpha", 9);
  vv.Advance("mike", 4);
  vv.Advance("n10", 2);
  vv.Advance("n9", 3);
  const outpost::v1::VersionVector proto = vv.ToProto();
  ASSERT_EQ(proto.entries_size(), 5);
  const char* expected[] = {"alpha", "mike", "n10", "n9", "zulu"};
  for (int i = 0; i < proto.entries_size(); ++i) {
    EXPECT_EQ(proto.entries(i).origin(), expected[i]) << i;
  }
  EXPECT_EQ(proto.entries(0).seq(), 9u);
  EXPECT_EQ(proto.entries(4).seq(), 1u);
}

TEST(VersionVectorTest, ProtoRoundTrip) {
  const VersionVector vv =
      Vv({{"n2", 7}, {"n1", 5}, {"central", 123456789012}});
  const VersionVector back = VersionVector::FromProto(vv.ToProto());
  EXPECT_EQ(back, vv);
  EXPECT_EQ(back.Get("central"), 123456789012u);

  // Serialized bytes are canonical: the same vector built in another order
  // serializes identically (it is hashed and compared on the wire).
  const VersionVector other =
      Vv({{"central", 123456789012}, {"n1", 5}, {"n2", 7}});
  EXPECT_EQ(other.ToProto().SerializeAsString(),
            vv.ToProto().SerializeAsString());
}

TEST(VersionVectorTest, FromProtoToleratesUnsortedZeroAndDuplicateEntries) {
  outpost::v1::VersionVector proto;
  auto add = [&proto](const char* origin, uint64_t seq) {
    auto* e = proto.add_entries();
    e->set_origin(origin);
    e->set_seq(seq);
  };
  add("n2", 4);
  add("n1", 0);
  add("n2", 9);
  add("n2", 1);
  const VersionVector vv = VersionVector::FromProto(proto);
  EXPECT_EQ(vv, Vv({{"n2", 9}}));
  // Entries with seq 0 are omitted on the way out.
  const outpost::v1::VersionVector out = vv.ToProto();
  ASSERT_EQ(out.entries_size(), 1);
  EXPECT_EQ(out.entries(0).origin(), "n2");
  EXPECT_EQ(out.entries(0).seq(), 9u);
}

TEST(VersionVectorTest, EmptyProtoRoundTrip) {
  const outpost::v1::VersionVector proto = VersionVector().ToProto();
  EXPECT_EQ(proto.entries_size(), 0);
  EXPECT_EQ(VersionVector::FromProto(proto), VersionVector());
}

TEST(VersionVectorTest, NodeTotalSumsEveryReplicaOfTheNode) {
  VersionVector vv;
  vv.Advance("yatai", 4);  // a replica from before incarnations
  vv.Advance("yatai/abc", 3);
  vv.Advance("yatai/def", 2);
  vv.Advance("yataiX/abc", 100);
  vv.Advance("heping/abc", 7);
  EXPECT_EQ(vv.NodeTotal("yatai"), 9u);
  EXPECT_EQ(vv.NodeTotal("heping"), 7u);
  EXPECT_EQ(vv.NodeTotal("central"), 0u);
  EXPECT_EQ(NodeOfOrigin("yatai/abc"), "yatai");
  EXPECT_EQ(NodeOfOrigin("yatai"), "yatai");
}

TEST(VersionVectorTest, MintedReplicaIdsBelongToTheNodeAndDiffer) {
  const std::string a = MintReplicaId("yatai"), b = MintReplicaId("yatai");
  EXPECT_NE(a, b);
  EXPECT_EQ(NodeOfOrigin(a), "yatai");
  EXPECT_EQ(a.size(), std::string("yatai/").size() + 10);
}

}  // namespace
}  // namespace outpost::sync
