#include "sync/merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sync/store.h"
#include "tests/sync/test_util.h"

namespace outpost::sync {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

FieldWrite Write(const std::string& field, const Value& value,
                 const std::vector<Dot>& supersedes = {},
                 const std::vector<Dot>& context = {}) {
  FieldWrite w;
  w.set_field(field);
  *w.mutable_value() = value;
  for (const Dot& d : supersedes) *w.add_supersedes() = d;
  for (const Dot& d : context) *w.add_context() = d;
  return w;
}

Change MakeChange(const std::string& origin, uint64_t seq, uint64_t hlc,
                  std::vector<FieldWrite> writes,
                  const std::string& author = "") {
  Change c;
  *c.mutable_dot() = MakeDot(origin, seq);
  c.set_hlc(hlc);
  c.set_table("residents");
  c.set_row_id("r1");
  c.set_scope("s1");
  c.set_author(author.empty() ? origin + "-op" : author);
  std::sort(writes.begin(), writes.end(),
            [](const FieldWrite& a, const FieldWrite& b) {
              return a.field() < b.field();
            });
  for (FieldWrite& w : writes) *c.add_writes() = std::move(w);
  return c;
}

RowState NewRow(const std::string& table = "residents",
                const std::string& row_id = "r1") {
  RowState row;
  row.set_table(table);
  row.set_row_id(row_id);
  row.set_scope("s1");
  return row;
}

void Apply(const Change& change, RowState* row) {
  for (const FieldWrite& w : change.writes()) ApplyFieldWrite(change, w, row);
}

std::vector<std::string> SiblingDots(const RowState& row,
                                     const std::string& field) {
  std::vector<std::string> out;
  const FieldState* f = FindField(row, field);
  if (f == nullptr) return out;
  for (const Sibling& s : f->siblings()) {
    out.push_back(s.dot().origin() + ":" + std::to_string(s.dot().seq()));
  }
  return out;
}

std::vector<std::string> FieldNames(const RowState& row) {
  std::vector<std::string> out;
  for (const FieldState& f : row.fields()) out.push_back(f.field());
  return out;
}

std::vector<std::string> DotStrings(const std::vector<Dot>& dots) {
  std::vector<std::string> out;
  for (const Dot& d : dots) {
    out.push_back(d.origin() + ":" + std::to_string(d.seq()));
  }
  return out;
}

class MergeTest : public ::testing::Test {
 protected:
  const TableDef& residents() const { return *schema_.table("residents"); }
  const TableDef& requests() const { return *schema_.table("requests"); }
  const TableDef& passages() const { return *schema_.table("passages"); }

  Schema schema_ = testing::TestSchema();
};

// ---- Dots and values ----

TEST(DotTest, OrderByOriginThenNumericSeq) {
  EXPECT_TRUE(DotLess(MakeDot("a", 9), MakeDot("b", 1)));
  EXPECT_FALSE(DotLess(MakeDot("b", 1), MakeDot("a", 9)));
  EXPECT_TRUE(DotLess(MakeDot("a", 9), MakeDot("a", 10)));
  EXPECT_FALSE(DotLess(MakeDot("a", 3), MakeDot("a", 3)));
  EXPECT_TRUE(DotEqual(MakeDot("a", 3), MakeDot("a", 3)));
  EXPECT_FALSE(DotEqual(MakeDot("a", 3), MakeDot("a", 4)));
  EXPECT_FALSE(DotEqual(MakeDot("a", 3), MakeDot("b", 3)));
}

TEST(ValueTest, EqualSameKindSameValue) {
  EXPECT_TRUE(ValueEqual(TextValue("Ana"), TextValue("Ana")));
  EXPECT_FALSE(ValueEqual(TextValue("Ana"), TextValue("ana")));
  EXPECT_TRUE(ValueEqual(IntValue(12), IntValue(12)));
  EXPECT_FALSE(ValueEqual(IntValue(12), IntValue(13)));
  EXPECT_TRUE(ValueEqual(RealValue(36.8), RealValue(36.8)));
  EXPECT_FALSE(ValueEqual(RealValue(36.8), RealValue(36.9)));
  EXPECT_TRUE(ValueEqual(BoolValue(false), BoolValue(false)));
  EXPECT_FALSE(ValueEqual(BoolValue(false), BoolValue(true)));
  EXPECT_TRUE(ValueEqual(BytesValue(std::string("a\0b", 3)),
                         BytesValue(std::string("a\0b", 3))));
  EXPECT_FALSE(ValueEqual(BytesValue(std::string("a\0b", 3)),
                          BytesValue(std::string("a\0c", 3))));
  EXPECT_TRUE(ValueEqual(Value(), Value()));
}

TEST(ValueTest, DifferentKindsNeverEqual) {
  EXPECT_FALSE(ValueEqual(IntValue(1), RealValue(1.0)));
  EXPECT_FALSE(ValueEqual(IntValue(1), BoolValue(true)));
  EXPECT_FALSE(ValueEqual(TextValue("1"), IntValue(1)));
  EXPECT_FALSE(ValueEqual(TextValue("ab"), BytesValue("ab")));
  // Default values are not NULL.
  EXPECT_FALSE(ValueEqual(IntValue(0), Value()));
  EXPECT_FALSE(ValueEqual(TextValue(""), Value()));
  EXPECT_FALSE(ValueEqual(BoolValue(false), Value()));
  EXPECT_FALSE(ValueEqual(Value(), RealValue(0.0)));
}

TEST(ValueTest, ToString) {
  EXPECT_EQ(ValueToString(TextValue("Ana")), "'Ana'");
  EXPECT_EQ(ValueToString(TextValue("")), "''");
  EXPECT_EQ(ValueToString(IntValue(12)), "12");
  EXPECT_EQ(ValueToString(IntValue(-3)), "-3");
  EXPECT_EQ(ValueToString(RealValue(36.8)), "36.8");
  EXPECT_EQ(ValueToString(BoolValue(true)), "true");
  EXPECT_EQ(ValueToString(BoolValue(false)), "false");
  EXPECT_EQ(ValueToString(Value()), "NULL");
  EXPECT_EQ(ValueToString(BytesValue(std::string("\0\1\2", 3))), "<3 bytes>");
}

// ---- ApplyFieldWrite ----

TEST_F(MergeTest, FirstWriteAddsOneSibling) {
  RowState row = NewRow();
  Apply(MakeChange("n1", 1, 100, {Write("name", TextValue("Ana"))}, "maria"),
        &row);
  const FieldState* name = FindField(row, "name");
  ASSERT_NE(name, nullptr);
  ASSERT_EQ(name->siblings_size(), 1);
  const Sibling& s = name->siblings(0);
  EXPECT_TRUE(DotEqual(s.dot(), MakeDot("n1", 1)));
  EXPECT_EQ(s.hlc(), 100u);
  EXPECT_TRUE(ValueEqual(s.value(), TextValue("Ana")));
  EXPECT_EQ(s.author(), "maria");
  EXPECT_EQ(FindField(row, "phone"), nullptr);
}

TEST_F(MergeTest, SupersedingWriteDropsSeenSiblings) {
  RowState row = NewRow();
  Apply(MakeChange("n1", 1, 100, {Write("name", TextValue("Ana"))}), &row);
  Apply(MakeChange("n2", 1, 200,
                   {Write("name", TextValue("Anna"), {MakeDot("n1", 1)})}),
        &row);
  EXPECT_THAT(SiblingDots(row, "name"), ElementsAre("n2:1"));
  EXPECT_TRUE(ValueEqual(FindField(row, "name")->siblings(0).value(),
                         TextValue("Anna")));
  EXPECT_THAT(DeriveConflicts(residents(), row), IsEmpty());
}

TEST_F(MergeTest, ConcurrentWritesKeepBothSiblings) {
  RowState row = NewRow();
  Apply(MakeChange("n1", 1, 100, {Write("name", TextValue("Ana"))}), &row);
  // Both saw n1:1, neither saw the other.
  Apply(MakeChange("n3", 1, 200,
                   {Write("name", TextValue("Anna"), {MakeDot("n1", 1)})}),
        &row);
  Apply(MakeChange("n2", 1, 300,
                   {Write("name", TextValue("Ann"), {MakeDot("n1", 1)})}),
        &row);
  EXPECT_THAT(SiblingDots(row, "name"), ElementsAre("n2:1", "n3:1"));
}

TEST_F(MergeTest, SupersedesDropsOnlyListedDots) {
  RowState row = NewRow();
  Apply(MakeChange("n1", 1, 100, {Write("name", TextValue("a"))}), &row);
  Apply(MakeChange("n2", 1, 100, {Write("name", TextValue("b"))}), &row);
  Apply(MakeChange("n3", 1, 100, {Write("name", TextValue("c"))}), &row);
  ASSERT_THAT(SiblingDots(row, "name"), ElementsAre("n1:1", "n2:1", "n3:1"));
  // Saw n1:1 and n3:1 (and a dot that is not there), not n2:1.
  Apply(MakeChange(
            "n4", 1, 400,
            {Write("name", TextValue("d"),
                   {MakeDot("n1", 1), MakeDot("n3", 1), MakeDot("n9", 9)})}),
        &row);
  EXPECT_THAT(SiblingDots(row, "name"), ElementsAre("n2:1", "n4:1"));
}

TEST_F(MergeTest, SiblingsSortedByDotWhateverTheApplyOrder) {
  const std::vector<Change> changes = {
      MakeChange("n2", 1, 500, {Write("name", TextValue("x"))}),
      MakeChange("n1", 10, 100, {Write("name", TextValue("y"))}),
      MakeChange("n1", 9, 900, {Write("name", TextValue("z"))}),
      MakeChange("central", 4, 50, {Write("name", TextValue("w"))}),
  };
  std::vector<int> order = {0, 1, 2, 3};
  std::string first_serialized;
  do {
    RowState row = NewRow();
    for (int i : order) Apply(changes[i], &row);
    EXPECT_THAT(SiblingDots(row, "name"),
                ElementsAre("central:4", "n1:9", "n1:10", "n2:1"));
    const std::string serialized = row.SerializeAsString();
    if (first_serialized.empty()) first_serialized = serialized;
    EXPECT_EQ(serialized, first_serialized) << "canonical form differs";
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST_F(MergeTest, FieldsSortedByName) {
  RowState row = NewRow();
  Apply(MakeChange("n1", 1, 100, {Write("phone", TextValue("555"))}), &row);
  Apply(MakeChange("n1", 2, 101, {Write("age", IntValue(40))}), &row);
  Apply(MakeChange("n1", 3, 102,
                   {Write("name", TextValue("Ana")),
                    Write("control", TextValue("c1"))}),
        &row);
  Apply(MakeChange("n1", 4, 103, {Write(kDeletedField, BoolValue(false))}),
        &row);
  EXPECT_THAT(FieldNames(row),
              ElementsAre("_deleted", "age", "control", "name", "phone"));
  for (const std::string& name : FieldNames(row)) {
    EXPECT_NE(FindField(row, name), nullptr) << name;
  }
  EXPECT_EQ(FindField(row, "zzz"), nullptr);
  EXPECT_EQ(FindField(row, "b"), nullptr);
}

TEST_F(MergeTest, ReapplyingSameDotChangesNothing) {
  RowState row = NewRow();
  const Change a = MakeChange("n1", 1, 100, {Write("name", TextValue("Ana"))});
  const Change b = MakeChange(
      "n2", 1, 200,
      {Write("name", TextValue("Anna")), Write("phone", TextValue("555"))});
  Apply(a, &row);
  Apply(b, &row);
  const std::string before = row.SerializeAsString();
  Apply(b, &row);
  Apply(a, &row);
  Apply(b, &row);
  EXPECT_EQ(row.SerializeAsString(), before);
  EXPECT_THAT(SiblingDots(row, "name"), ElementsAre("n1:1", "n2:1"));
  EXPECT_THAT(SiblingDots(row, "phone"), ElementsAre("n2:1"));
}

TEST_F(MergeTest, NoFieldIsLeftWithoutSiblings) {
  // A field whose siblings are all superseded holds only the new write, and
  // the row is byte-identical to one that received that write alone: no
  // empty FieldState survives anywhere (canonical form, hashed for digests).
  RowState row = NewRow();
  Apply(MakeChange("n1", 1, 100, {Write("name", TextValue("a"))}), &row);
  Apply(MakeChange("n2", 1, 100, {Write("name", TextValue("b"))}), &row);
  const Change last = MakeChange(
      "n3", 1, 300,
      {Write("name", TextValue("c"), {MakeDot("n1", 1), MakeDot("n2", 1)})});
  Apply(last, &row);

  RowState fresh = NewRow();
  Apply(last, &fresh);
  EXPECT_EQ(row.SerializeAsString(), fresh.SerializeAsString());
  for (const FieldState& f : row.fields()) {
    EXPECT_GT(f.siblings_size(), 0) << f.field();
  }
}

TEST_F(MergeTest, WriteKeepsDeleteContext) {
  RowState row = NewRow();
  Apply(MakeChange("n1", 1, 100, {Write("name", TextValue("Ana"))}), &row);
  Apply(MakeChange(
            "n2", 1, 200,
            {Write(kDeletedField, BoolValue(true), {}, {MakeDot("n1", 1)})}),
        &row);
  const FieldState* deleted = FindField(row, kDeletedField);
  ASSERT_NE(deleted, nullptr);
  ASSERT_EQ(deleted->siblings_size(), 1);
  ASSERT_EQ(deleted->siblings(0).context_size(), 1);
  EXPECT_TRUE(DotEqual(deleted->siblings(0).context(0), MakeDot("n1", 1)));
}

// ---- ShownSibling ----

TEST_F(MergeTest, ShownRegisterIsMaxHlc) {
  RowState row = NewRow();
  Apply(MakeChange("n1", 1, 900, {Write("name", TextValue("late"))}), &row);
  Apply(MakeChange("n2", 1, 100, {Write("name", TextValue("early"))}), &row);
  const Sibling* shown = ShownSibling(residents().field("name"), residents(),
                                      *FindField(row, "name"));
  ASSERT_NE(shown, nullptr);
  EXPECT_TRUE(ValueEqual(shown->value(), TextValue("late")));
}

TEST_F(MergeTest, ShownRegisterTieOnHlcBrokenByOrigin) {
  for (bool reversed : {false, true}) {
    RowState row = NewRow();
    const Change a =
        MakeChange("alpha", 1, 500, {Write("name", TextValue("A"))});
    const Change b =
        MakeChange("beta", 1, 500, {Write("name", TextValue("B"))});
    Apply(reversed ? b : a, &row);
    Apply(reversed ? a : b, &row);
    const Sibling* shown = ShownSibling(residents().field("name"), residents(),
                                        *FindField(row, "name"));
    ASSERT_NE(shown, nullptr);
    EXPECT_TRUE(ValueEqual(shown->value(), TextValue("B"))) << reversed;
  }
}

TEST_F(MergeTest, ShownRegisterIndependentOfSiblingOrder) {
  FieldState field;
  field.set_field("name");
  auto add = [&field](const char* origin, uint64_t hlc, const char* value) {
    Sibling* s = field.add_siblings();
    *s->mutable_dot() = MakeDot(origin, 1);
    s->set_hlc(hlc);
    *s->mutable_value() = TextValue(value);
  };
  add("n3", 300, "three");
  add("n1", 700, "one");
  add("n2", 700, "two");
  const Sibling* shown =
      ShownSibling(residents().field("name"), residents(), field);
  ASSERT_NE(shown, nullptr);
  EXPECT_TRUE(ValueEqual(shown->value(), TextValue("two")));
}

TEST_F(MergeTest, ShownOfEmptyFieldIsNull) {
  FieldState empty;
  empty.set_field("name");
  EXPECT_EQ(ShownSibling(residents().field("name"), residents(), empty),
            nullptr);
}

TEST_F(MergeTest, ShownStateIsFurthestStateRegardlessOfHlc) {
  const FieldDef* status = requests().field("status");
  ASSERT_NE(status, nullptr);
  RowState row = NewRow("requests", "q1");
  Apply(MakeChange("n1", 1, 100, {Write("status", TextValue("requested"))}),
        &row);
  // Both saw "requested"; the delivery has the older clock.
  Apply(
      MakeChange("n2", 1, 200,
                 {Write("status", TextValue("delivered"), {MakeDot("n1", 1)})}),
      &row);
  Apply(
      MakeChange("n3", 1, 900,
                 {Write("status", TextValue("accepted"), {MakeDot("n1", 1)})}),
      &row);
  const Sibling* shown =
      ShownSibling(status, requests(), *FindField(row, "status"));
  ASSERT_NE(shown, nullptr);
  EXPECT_TRUE(ValueEqual(shown->value(), TextValue("delivered")));
}

TEST_F(MergeTest, ShownStateTieUsesHlcThenOrigin) {
  const FieldDef* status = requests().field("status");
  RowState row = NewRow("requests", "q1");
  Apply(MakeChange("n1", 1, 100, {Write("status", TextValue("accepted"))}),
        &row);
  Apply(MakeChange("n2", 1, 100, {Write("status", TextValue("accepted"))}),
        &row);
  Apply(MakeChange("n0", 1, 50, {Write("status", TextValue("requested"))}),
        &row);
  const Sibling* shown =
      ShownSibling(status, requests(), *FindField(row, "status"));
  ASSERT_NE(shown, nullptr);
  EXPECT_TRUE(DotEqual(shown->dot(), MakeDot("n2", 1)));
}

TEST_F(MergeTest, ShownNonStateFieldOfStateMachineTableIsRegister) {
  RowState row = NewRow("requests", "q1");
  Apply(MakeChange("n1", 1, 900, {Write("note", TextValue("zzz late"))}), &row);
  Apply(MakeChange("n2", 1, 100, {Write("note", TextValue("aaa early"))}),
        &row);
  const Sibling* shown = ShownSibling(requests().field("note"), requests(),
                                      *FindField(row, "note"));
  ASSERT_NE(shown, nullptr);
  EXPECT_TRUE(ValueEqual(shown->value(), TextValue("zzz late")));
}

// ---- IsDeleted ----

TEST_F(MergeTest, IsDeleted) {
  RowState row = NewRow();
  EXPECT_FALSE(IsDeleted(row));
  Apply(MakeChange("n1", 1, 100, {Write("name", TextValue("Ana"))}), &row);
  EXPECT_FALSE(IsDeleted(row));
  Apply(MakeChange(
            "n1", 2, 200,
            {Write(kDeletedField, BoolValue(true), {}, {MakeDot("n1", 1)})}),
        &row);
  EXPECT_TRUE(IsDeleted(row));
  // Restored by a write that saw the delete.
  Apply(
      MakeChange("n1", 3, 300,
                 {Write(kDeletedField, BoolValue(false), {MakeDot("n1", 2)})}),
      &row);
  EXPECT_FALSE(IsDeleted(row));
}

TEST_F(MergeTest, IsDeletedConcurrentDeleteAndRestoreFollowsHlc) {
  for (bool delete_later : {false, true}) {
    RowState row = NewRow();
    Apply(MakeChange("n1", 1, 100, {Write(kDeletedField, BoolValue(false))}),
          &row);
    Apply(
        MakeChange("n2", 1, delete_later ? 300 : 200,
                   {Write(kDeletedField, BoolValue(true), {MakeDot("n1", 1)})}),
        &row);
    Apply(MakeChange(
              "n3", 1, delete_later ? 200 : 300,
              {Write(kDeletedField, BoolValue(false), {MakeDot("n1", 1)})}),
          &row);
    EXPECT_EQ(IsDeleted(row), delete_later);
  }
}

// ---- DeriveConflicts ----

TEST_F(MergeTest, NoConflictWhenConcurrentValuesAgree) {
  RowState row = NewRow();
  Apply(MakeChange("n1", 1, 100, {Write("phone", TextValue("555"))}), &row);
  Apply(MakeChange("n2", 1, 200, {Write("phone", TextValue("555"))}), &row);
  ASSERT_THAT(SiblingDots(row, "phone"), SizeIs(2));
  EXPECT_THAT(DeriveConflicts(residents(), row), IsEmpty());
}

TEST_F(MergeTest, ValueConflictWhenConcurrentValuesDiffer) {
  RowState row = NewRow();
  Apply(MakeChange("n2", 1, 200, {Write("name", TextValue("Anna"))}), &row);
  Apply(MakeChange("n1", 1, 100, {Write("name", TextValue("Ana"))}), &row);
  Apply(MakeChange("n3", 1, 150, {Write("phone", TextValue("555"))}), &row);
  const std::vector<ConflictInfo> conflicts = DeriveConflicts(residents(), row);
  ASSERT_THAT(conflicts, SizeIs(1));
  EXPECT_EQ(conflicts[0].kind, ConflictKind::kValue);
  EXPECT_STREQ(ConflictKindName(conflicts[0].kind), "VALUE");
  EXPECT_EQ(conflicts[0].field, "name");
  EXPECT_THAT(DotStrings(conflicts[0].dots), ElementsAre("n1:1", "n2:1"));
  EXPECT_FALSE(conflicts[0].id.empty());
}

TEST_F(MergeTest, ValueConflictResolvedBySupersedingWrite) {
  RowState row = NewRow();
  Apply(MakeChange("n1", 1, 100, {Write("name", TextValue("Ana"))}), &row);
  Apply(MakeChange("n2", 1, 200, {Write("name", TextValue("Anna"))}), &row);
  ASSERT_THAT(DeriveConflicts(residents(), row), SizeIs(1));
  Apply(MakeChange("n1", 2, 300,
                   {Write("name", TextValue("Ana María"),
                          {MakeDot("n1", 1), MakeDot("n2", 1)})}),
        &row);
  EXPECT_THAT(DeriveConflicts(residents(), row), IsEmpty());
}

TEST_F(MergeTest, ValueConflictOnNullVersusValue) {
  RowState row = NewRow();
  Apply(MakeChange("n1", 1, 100, {Write("phone", Value())}), &row);
  Apply(MakeChange("n2", 1, 200, {Write("phone", TextValue(""))}), &row);
  const std::vector<ConflictInfo> conflicts = DeriveConflicts(residents(), row);
  ASSERT_THAT(conflicts, SizeIs(1));
  EXPECT_EQ(conflicts[0].field, "phone");
}

TEST_F(MergeTest, StateFieldsNeverConflict) {
  RowState row = NewRow("requests", "q1");
  Apply(MakeChange("n1", 1, 100, {Write("status", TextValue("accepted"))}),
        &row);
  Apply(MakeChange("n2", 1, 200, {Write("status", TextValue("delivered"))}),
        &row);
  Apply(MakeChange("n3", 1, 300, {Write("status", TextValue("requested"))}),
        &row);
  ASSERT_THAT(SiblingDots(row, "status"), SizeIs(3));
  EXPECT_THAT(DeriveConflicts(requests(), row), IsEmpty());

  // The plain field of the same table still does.
  Apply(MakeChange("n1", 2, 400, {Write("note", TextValue("gate A"))}), &row);
  Apply(MakeChange("n2", 2, 400, {Write("note", TextValue("gate B"))}), &row);
  const std::vector<ConflictInfo> conflicts = DeriveConflicts(requests(), row);
  ASSERT_THAT(conflicts, SizeIs(1));
  EXPECT_EQ(conflicts[0].field, "note");
}

TEST_F(MergeTest, InsertOnlyTablesNeverConflict) {
  RowState row = NewRow("passages", "p1");
  Apply(MakeChange("n1", 1, 100, {Write("checkpoint", TextValue("cp1"))}),
        &row);
  Apply(MakeChange("n2", 1, 100, {Write("checkpoint", TextValue("cp2"))}),
        &row);
  EXPECT_THAT(DeriveConflicts(passages(), row), IsEmpty());
}

TEST_F(MergeTest, DeleteVsUpdateWhenDeleteContextLacksSibling) {
  RowState row = NewRow();
  Apply(MakeChange("n1", 1, 100,
                   {Write("name", TextValue("Ana")),
                    Write("phone", TextValue("555"))}),
        &row);
  // n2 deletes having seen n1:1; n3 concurrently edits the phone.
  Apply(MakeChange("n3", 1, 250,
                   {Write("phone", TextValue("777"), {MakeDot("n1", 1)})}),
        &row);
  Apply(MakeChange(
            "n2", 1, 200,
            {Write(kDeletedField, BoolValue(true), {}, {MakeDot("n1", 1)})}),
        &row);
  ASSERT_TRUE(IsDeleted(row));
  const std::vector<ConflictInfo> conflicts = DeriveConflicts(residents(), row);
  ASSERT_THAT(conflicts, SizeIs(1));
  EXPECT_EQ(conflicts[0].kind, ConflictKind::kDeleteVsUpdate);
  EXPECT_STREQ(ConflictKindName(conflicts[0].kind), "DELETE_VS_UPDATE");
  EXPECT_EQ(conflicts[0].field, kDeletedField);
  EXPECT_THAT(DotStrings(conflicts[0].dots), ElementsAre("n2:1", "n3:1"));
  EXPECT_FALSE(conflicts[0].id.empty());
}

TEST_F(MergeTest, NoDeleteConflictWhenDeleteSawEverything) {
  RowState row = NewRow();
  Apply(MakeChange("n1", 1, 100,
                   {Write("name", TextValue("Ana")),
                    Write("phone", TextValue("555"))}),
        &row);
  Apply(MakeChange("n3", 1, 150,
                   {Write("phone", TextValue("777"), {MakeDot("n1", 1)})}),
        &row);
  Apply(MakeChange("n2", 1, 200,
                   {Write(kDeletedField, BoolValue(true), {},
                          {MakeDot("n1", 1), MakeDot("n3", 1)})}),
        &row);
  ASSERT_TRUE(IsDeleted(row));
  EXPECT_THAT(DeriveConflicts(residents(), row), IsEmpty());
}

TEST_F(MergeTest, NoDeleteConflictOnceRestored) {
  RowState row = NewRow();
  Apply(MakeChange("n1", 1, 100, {Write("name", TextValue("Ana"))}), &row);
  Apply(MakeChange("n3", 1, 150,
                   {Write("name", TextValue("Anna"), {MakeDot("n1", 1)})}),
        &row);
  Apply(MakeChange(
            "n2", 1, 200,
            {Write(kDeletedField, BoolValue(true), {}, {MakeDot("n1", 1)})}),
        &row);
  ASSERT_THAT(DeriveConflicts(residents(), row), SizeIs(1));
  Apply(
      MakeChange("n2", 2, 300,
                 {Write(kDeletedField, BoolValue(false), {MakeDot("n2", 1)})}),
      &row);
  ASSERT_FALSE(IsDeleted(row));
  EXPECT_THAT(DeriveConflicts(residents(), row), IsEmpty());
}

TEST_F(MergeTest, ConflictIdsIndependentOfApplyOrder) {
  const std::vector<Change> changes = {
      MakeChange("n1", 1, 100, {Write("name", TextValue("Ana"))}),
      MakeChange("n2", 1, 200, {Write("name", TextValue("Anna"))}),
      MakeChange("n3", 1, 300, {Write("phone", TextValue("777"))}),
      MakeChange(
          "n4", 1, 400,
          {Write(kDeletedField, BoolValue(true), {}, {MakeDot("n1", 1)})}),
  };
  std::vector<int> order = {0, 1, 2, 3};
  std::vector<std::string> first_ids;
  do {
    RowState row = NewRow();
    for (int i : order) Apply(changes[i], &row);
    std::vector<std::string> ids;
    for (const ConflictInfo& c : DeriveConflicts(residents(), row)) {
      ids.push_back(std::string(ConflictKindName(c.kind)) + "/" + c.field +
                    "/" + c.id);
    }
    ASSERT_THAT(ids, SizeIs(2));
    if (first_ids.empty()) first_ids = ids;
    EXPECT_EQ(ids, first_ids);
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST_F(MergeTest, ConflictIdsDifferForDifferentDots) {
  auto conflict_id = [this](const std::string& row_id, const std::string& field,
                            uint64_t seq_a, uint64_t seq_b) {
    RowState row = NewRow("residents", row_id);
    Apply(MakeChange("n1", seq_a, 100, {Write(field, TextValue("a"))}), &row);
    Apply(MakeChange("n2", seq_b, 200, {Write(field, TextValue("b"))}), &row);
    const std::vector<ConflictInfo> conflicts =
        DeriveConflicts(residents(), row);
    EXPECT_THAT(conflicts, SizeIs(1));
    return conflicts.empty() ? std::string() : conflicts[0].id;
  };
  const std::string base = conflict_id("r1", "name", 1, 1);
  EXPECT_EQ(conflict_id("r1", "name", 1, 1), base);
  EXPECT_NE(conflict_id("r1", "name", 1, 2), base);
  EXPECT_NE(conflict_id("r1", "name", 2, 1), base);
  EXPECT_NE(conflict_id("r2", "name", 1, 1), base);
  EXPECT_NE(conflict_id("r1", "phone", 1, 1), base);
  EXPECT_NE(conflict_id("r1", "name", 11, 1), conflict_id("r1", "name", 1, 11));
}

}  // namespace
}  // namespace outpost::sync
