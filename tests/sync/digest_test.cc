#include "sync/digest.h"

#include <gtest/gtest.h>

#include "sync/merge.h"
#include "sync/store.h"

namespace outpost::sync {
namespace {

Change Insert(const std::string& row, const std::string& value, uint64_t seq) {
  Change c;
  c.mutable_dot()->set_origin(seq % 2 ? "a" : "b");
  c.mutable_dot()->set_seq(seq);
  c.set_table("passages");
  c.set_row_id(row);
  c.set_scope("s");
  auto* w = c.add_writes();
  w->set_field("checkpoint");
  *w->mutable_value() = TextValue(value);
  return c;
}

TEST(DigestTest, XorIsOrderIndependentAndSelfInverse) {
  Digest128 a, b;
  const Digest128 h1 = HashInsertOnlyRow((Insert("p1", "x", 1)));
  const Digest128 h2 = HashInsertOnlyRow((Insert("p2", "y", 2)));
  a.Toggle(h1);
  a.Toggle(h2);
  b.Toggle(h2);
  b.Toggle(h1);
  EXPECT_EQ(a, b);
  a.Toggle(h1);
  a.Toggle(h2);
  EXPECT_TRUE(a.zero());
  EXPECT_EQ(b.Hex().size(), 32u);
}

TEST(DigestTest, InsertOnlyRowHashIgnoresTheDot) {
  // The same fact recorded by two nodes hashes alike.
  EXPECT_EQ(HashInsertOnlyRow((Insert("p1", "x", 1))),
            HashInsertOnlyRow((Insert("p1", "x", 2))));
  EXPECT_NE(HashInsertOnlyRow((Insert("p1", "x", 1))),
            HashInsertOnlyRow((Insert("p1", "z", 1))));
  EXPECT_NE(HashInsertOnlyRow((Insert("p1", "x", 1))),
            HashInsertOnlyRow((Insert("p2", "x", 1))));
}

TEST(DigestTest, RegisterRowHashCoversSiblings) {
  RowState row;
  row.set_table("residents");
  row.set_row_id("r1");
  row.set_scope("s");
  EXPECT_TRUE(HashRowState(row).zero());  // absent row
  Change c1 = Insert("r1", "111", 1);
  c1.set_table("residents");
  c1.mutable_writes(0)->set_field("phone");
  ApplyFieldWrite(c1, c1.writes(0), &row);
  const Digest128 one = HashRowState(row);
  Change c2 = Insert("r1", "222", 2);
  c2.set_table("residents");
  c2.mutable_writes(0)->set_field("phone");
  ApplyFieldWrite(c2, c2.writes(0), &row);  // concurrent: two siblings
  EXPECT_NE(HashRowState(row), one);
}

}  // namespace
}  // namespace outpost::sync
