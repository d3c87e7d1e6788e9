#include "sync/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sync/store.h"
#include "tests/sync/test_util.h"

namespace outpost::sync {
namespace {

using ::testing::HasSubstr;

TableDef Register(const std::string& name, std::vector<FieldDef> fields) {
  TableDef t;
  t.name = name;
  t.policy = MergePolicy::kRegister;
  t.fields = std::move(fields);
  return t;
}

TableDef Ledger(const std::string& amount_field,
                std::vector<std::string> key_fields) {
  TableDef t;
  t.name = "supplies";
  t.policy = MergePolicy::kLedger;
  t.fields = {{"item", FieldType::kText},
              {"location", FieldType::kText},
              {"qty", FieldType::kInt},
              {"weight", FieldType::kReal},
              {"label", FieldType::kText}};
  t.amount_field = amount_field;
  t.key_fields = std::move(key_fields);
  return t;
}

TableDef Requests(std::vector<std::string> states = {"requested", "accepted",
                                                     "delivered"}) {
  TableDef t;
  t.name = "requests";
  t.policy = MergePolicy::kStateMachine;
  t.fields = {{"status", FieldType::kText, std::move(states)},
              {"note", FieldType::kText}};
  return t;
}

TEST(SchemaTest, StartsWithBuiltInResolutionsTable) {
  Schema schema;
  ASSERT_EQ(schema.tables().size(), 1u);
  const TableDef* resolutions = schema.table(kResolutionsTable);
  ASSERT_NE(resolutions, nullptr);
  EXPECT_EQ(resolutions->policy, MergePolicy::kAppendOnly);
  EXPECT_NE(resolutions->field("conflict_id"), nullptr);
  EXPECT_EQ(schema.table("residents"), nullptr);
}

TEST(SchemaTest, TestSchemaIsValid) {
  const Schema schema = testing::TestSchema();
  EXPECT_EQ(schema.tables().size(), 5u);
  for (const char* name : {"residents", "passages", "supplies", "requests"}) {
    EXPECT_NE(schema.table(name), nullptr) << name;
  }
  EXPECT_TRUE(schema.table("supplies")->is_insert_only());
  EXPECT_TRUE(schema.table("passages")->is_insert_only());
  EXPECT_FALSE(schema.table("residents")->is_insert_only());
  EXPECT_FALSE(schema.table("requests")->is_insert_only());
}

TEST(SchemaTest, AddTableKeepsDeclarationAndLookups) {
  Schema schema;
  ASSERT_TRUE(schema
                  .AddTable(Register("residents", {{"name", FieldType::kText},
                                                   {"age", FieldType::kInt}}))
                  .ok());
  const TableDef* t = schema.table("residents");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->name, "residents");
  ASSERT_NE(t->field("age"), nullptr);
  EXPECT_EQ(t->field("age")->type, FieldType::kInt);
  EXPECT_EQ(t->field("nope"), nullptr);
  EXPECT_EQ(schema.tables().back().name, "residents");
}

TEST(SchemaTest, RejectsBadTableNames) {
  const std::vector<std::string> bad = {
      "",          "Residents",  "_meta",
      "1table",    "res-idents", "res idents",
      "résidents", "residents;", std::string(65, 'a')};
  for (const std::string& name : bad) {
    Schema schema;
    const absl::Status status =
        schema.AddTable(Register(name, {{"name", FieldType::kText}}));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << "\"" << name << "\": " << status;
    EXPECT_EQ(schema.table(name), nullptr);
  }
  Schema schema;
  EXPECT_TRUE(
      schema.AddTable(Register(std::string(64, 'a'), {{"x", FieldType::kInt}}))
          .ok());
  EXPECT_TRUE(
      schema.AddTable(Register("r2_d2", {{"x", FieldType::kInt}})).ok());
}

TEST(SchemaTest, RejectsDuplicateTable) {
  Schema schema;
  ASSERT_TRUE(schema.AddTable(Register("t", {{"a", FieldType::kInt}})).ok());
  const absl::Status again =
      schema.AddTable(Register("t", {{"b", FieldType::kText}}));
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists) << again;
  EXPECT_NE(schema.table("t")->field("a"), nullptr);  // first one kept
  EXPECT_EQ(schema.AddTable(Register(kResolutionsTable, {})).code(),
            absl::StatusCode::kAlreadyExists);
}

TEST(SchemaTest, RejectsBadAndReservedFieldNames) {
  for (const char* name :
       {"id", "scope", "_deleted", "_x", "Name", "2nd", "first name", ""}) {
    Schema schema;
    const absl::Status status = schema.AddTable(
        Register("t", {{"ok", FieldType::kText}, {name, FieldType::kText}}));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << "\"" << name << "\": " << status;
    EXPECT_EQ(schema.table("t"), nullptr);
  }
}

TEST(SchemaTest, RejectsDuplicateFields) {
  Schema schema;
  const absl::Status status =
      schema.AddTable(Register("t", {{"name", FieldType::kText},
                                     {"age", FieldType::kInt},
                                     {"name", FieldType::kInt}}));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(status.message(), HasSubstr("name"));
}

// Every table becomes a plain SQL table whose columns are the field names,
// unquoted, "so reports are ordinary queries" (schema.h). A name SQLite cannot
// take unquoted must be refused here, not fail later when the store opens.
// Names are quoted in SQL, so keywords work as table and field names; only
// SQLite's own sqlite_ prefix is refused.
TEST(SchemaTest, KeywordNamesWorkAndSqlitePrefixIsRefused) {
  {
    Schema schema;
    ASSERT_TRUE(schema
                    .AddTable(Register("order", {{"from", FieldType::kText},
                                                 {"to", FieldType::kText}}))
                    .ok());
    testing::TempDir dir;
    StoreOptions options;
    options.path = dir.File("k.db");
    options.node_id = "a";
    options.schema = schema;
    auto store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    WriteRequest w;
    w.table = "order";
    w.row_id = "o1";
    w.scope = "s";
    w.Set("from", TextValue("a")).Set("to", TextValue("b"));
    ASSERT_TRUE((*store)->Write(w).ok());
    EXPECT_EQ((*(*store)->ReadValues("order", "o1"))["to"].text_value(), "b");
  }
  Schema schema;
  EXPECT_FALSE(
      schema.AddTable(Register("sqlite_stats", {{"item", FieldType::kText}}))
          .ok());
}

TEST(SchemaTest, StatesOnlyOnTextFieldsOfStateMachineTables) {
  {
    Schema schema;
    const absl::Status status = schema.AddTable(
        Register("t", {{"status", FieldType::kText, {"open", "closed"}}}));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  }
  {
    Schema schema;
    TableDef t = Ledger("qty", {});
    t.fields.push_back({"status", FieldType::kText, {"open", "closed"}});
    EXPECT_EQ(schema.AddTable(t).code(), absl::StatusCode::kInvalidArgument);
  }
  {
    Schema schema;
    TableDef t = Requests();
    t.fields.push_back({"level", FieldType::kInt, {"1", "2"}});
    EXPECT_EQ(schema.AddTable(t).code(), absl::StatusCode::kInvalidArgument);
  }
  {
    Schema schema;
    EXPECT_TRUE(schema.AddTable(Requests()).ok());
  }
}

TEST(SchemaTest, StateMachineNeedsAFieldWithStates) {
  Schema schema;
  TableDef t = Requests({});
  const absl::Status status = schema.AddTable(t);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
}

TEST(SchemaTest, LedgerNeedsNumericAmountField) {
  for (const char* amount : {"", "missing", "label"}) {
    Schema schema;
    const absl::Status status = schema.AddTable(Ledger(amount, {"item"}));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << "amount_field \"" << amount << "\": " << status;
  }
  for (const char* amount : {"qty", "weight"}) {
    Schema schema;
    EXPECT_TRUE(schema.AddTable(Ledger(amount, {"item", "location"})).ok())
        << amount;
  }
}

TEST(SchemaTest, LedgerKeyFieldsMustBeDeclared) {
  Schema schema;
  const absl::Status status =
      schema.AddTable(Ledger("qty", {"item", "warehouse"}));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(status.message(), HasSubstr("warehouse"));
  EXPECT_EQ(schema.table("supplies"), nullptr);
}

TEST(SchemaTest, StateRank) {
  const TableDef t = Requests();
  const FieldDef& status = *t.field("status");
  EXPECT_EQ(t.StateRank(status, "requested"), 0);
  EXPECT_EQ(t.StateRank(status, "accepted"), 1);
  EXPECT_EQ(t.StateRank(status, "delivered"), 2);
  EXPECT_EQ(t.StateRank(status, "lost"), -1);
  EXPECT_EQ(t.StateRank(status, ""), -1);
  EXPECT_EQ(t.StateRank(*t.field("note"), "requested"), -1);
}

TEST(SchemaTest, NamesOfEnums) {
  EXPECT_STREQ(FieldTypeName(FieldType::kInt), "int");
  EXPECT_STREQ(FieldTypeName(FieldType::kReal), "real");
  EXPECT_STREQ(FieldTypeName(FieldType::kText), "text");
  EXPECT_STREQ(FieldTypeName(FieldType::kBytes), "bytes");
  EXPECT_STREQ(FieldTypeName(FieldType::kBool), "bool");
  EXPECT_STREQ(MergePolicyName(MergePolicy::kRegister), "register");
  EXPECT_STREQ(MergePolicyName(MergePolicy::kAppendOnly), "append_only");
  EXPECT_STREQ(MergePolicyName(MergePolicy::kLedger), "ledger");
  EXPECT_STREQ(MergePolicyName(MergePolicy::kStateMachine), "state_machine");
}

// ---- Version ----

TEST(SchemaVersionTest, StableForTheSameDeclaration) {
  const std::string v = testing::TestSchema().Version();
  EXPECT_EQ(v.size(), 16u);
  EXPECT_EQ(v.find_first_not_of("0123456789abcdef"), std::string::npos) << v;
  EXPECT_EQ(testing::TestSchema().Version(), v);
  EXPECT_NE(Schema().Version(), v);
}

TEST(SchemaVersionTest, ChangesWhenAnythingMeaningfulChanges) {
  auto version_with = [](const std::function<void(TableDef&)>& edit) {
    Schema schema;
    TableDef residents = Register(
        "residents", {{"name", FieldType::kText}, {"age", FieldType::kInt}});
    edit(residents);
    EXPECT_TRUE(schema.AddTable(residents).ok());
    TableDef requests = Requests();
    EXPECT_TRUE(schema.AddTable(requests).ok());
    return schema.Version();
  };
  const std::string base = version_with([](TableDef&) {});
  EXPECT_EQ(version_with([](TableDef&) {}), base);

  std::vector<std::string> versions = {base};
  versions.push_back(
      version_with([](TableDef& t) { t.fields[1].type = FieldType::kReal; }));
  versions.push_back(
      version_with([](TableDef& t) { t.fields[1].name = "years"; }));
  versions.push_back(version_with([](TableDef& t) {
    t.fields.push_back({"phone", FieldType::kText});
  }));
  versions.push_back(version_with([](TableDef& t) { t.fields.pop_back(); }));
  versions.push_back(
      version_with([](TableDef& t) { std::swap(t.fields[0], t.fields[1]); }));
  versions.push_back(version_with([](TableDef& t) { t.name = "people"; }));
  versions.push_back(
      version_with([](TableDef& t) { t.policy = MergePolicy::kAppendOnly; }));
  for (size_t i = 0; i < versions.size(); ++i) {
    for (size_t j = i + 1; j < versions.size(); ++j) {
      EXPECT_NE(versions[i], versions[j]) << i << " vs " << j;
    }
  }
}

TEST(SchemaVersionTest, ChangesWithStatesAndLedgerSettings) {
  auto requests_version = [](std::vector<std::string> states) {
    Schema schema;
    EXPECT_TRUE(schema.AddTable(Requests(std::move(states))).ok());
    return schema.Version();
  };
  const std::string base =
      requests_version({"requested", "accepted", "delivered"});
  EXPECT_NE(requests_version({"requested", "delivered", "accepted"}), base);
  EXPECT_NE(requests_version({"requested", "accepted"}), base);
  EXPECT_NE(
      requests_version({"requested", "accepted", "delivered", "cancelled"}),
      base);

  auto ledger_version = [](const std::string& amount,
                           std::vector<std::string> keys) {
    Schema schema;
    EXPECT_TRUE(schema.AddTable(Ledger(amount, std::move(keys))).ok());
    return schema.Version();
  };
  const std::string ledger = ledger_version("qty", {"item", "location"});
  EXPECT_NE(ledger_version("weight", {"item", "location"}), ledger);
  EXPECT_NE(ledger_version("qty", {"item"}), ledger);
  EXPECT_NE(ledger_version("qty", {"location", "item"}), ledger);
}

// Two nodes sync only when versions are equal, so different state lists must
// never share a version. States are free text and may contain the separators
// of the canonical form.
TEST(SchemaVersionTest, StateListsWithSeparatorCharactersDiffer) {
  auto requests_version = [](std::vector<std::string> states) {
    Schema schema;
    EXPECT_TRUE(schema.AddTable(Requests(std::move(states))).ok());
    return schema.Version();
  };
  EXPECT_NE(requests_version({"open|closed"}),
            requests_version({"open", "closed"}));
}

// ---- CheckValueType ----

TEST(CheckValueTypeTest, AcceptsMatchingTypes) {
  Schema schema;
  TableDef t = Register("t", {{"i", FieldType::kInt},
                              {"r", FieldType::kReal},
                              {"s", FieldType::kText},
                              {"b", FieldType::kBytes},
                              {"f", FieldType::kBool}});
  ASSERT_TRUE(schema.AddTable(t).ok());
  const TableDef& table = *schema.table("t");
  EXPECT_TRUE(CheckValueType(table, *table.field("i"), IntValue(-5)).ok());
  EXPECT_TRUE(CheckValueType(table, *table.field("r"), RealValue(36.6)).ok());
  EXPECT_TRUE(CheckValueType(table, *table.field("s"), TextValue("張")).ok());
  EXPECT_TRUE(
      CheckValueType(table, *table.field("b"), BytesValue("\x01")).ok());
  EXPECT_TRUE(CheckValueType(table, *table.field("f"), BoolValue(false)).ok());
}

TEST(CheckValueTypeTest, RejectsTypeMismatch) {
  Schema schema;
  ASSERT_TRUE(schema
                  .AddTable(Register("t", {{"i", FieldType::kInt},
                                           {"r", FieldType::kReal},
                                           {"s", FieldType::kText},
                                           {"f", FieldType::kBool}}))
                  .ok());
  const TableDef& table = *schema.table("t");
  const absl::Status status =
      CheckValueType(table, *table.field("i"), TextValue("12"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(status.message(), HasSubstr("t.i"));
  EXPECT_FALSE(CheckValueType(table, *table.field("i"), RealValue(12.0)).ok());
  EXPECT_FALSE(CheckValueType(table, *table.field("r"), IntValue(12)).ok());
  EXPECT_FALSE(CheckValueType(table, *table.field("s"), BytesValue("x")).ok());
  EXPECT_FALSE(CheckValueType(table, *table.field("f"), IntValue(1)).ok());
}

TEST(CheckValueTypeTest, NullAllowedEverywhere) {
  const Schema schema = testing::TestSchema();
  for (const TableDef& table : schema.tables()) {
    for (const FieldDef& field : table.fields) {
      EXPECT_TRUE(CheckValueType(table, field, Value()).ok())
          << table.name << "." << field.name;
    }
  }
}

TEST(CheckValueTypeTest, StateFieldsTakeOnlyTheirStates) {
  Schema schema;
  ASSERT_TRUE(schema.AddTable(Requests()).ok());
  const TableDef& table = *schema.table("requests");
  const FieldDef& status = *table.field("status");
  for (const char* state : {"requested", "accepted", "delivered"}) {
    EXPECT_TRUE(CheckValueType(table, status, TextValue(state)).ok()) << state;
  }
  const absl::Status lost = CheckValueType(table, status, TextValue("lost"));
  EXPECT_EQ(lost.code(), absl::StatusCode::kInvalidArgument) << lost;
  EXPECT_THAT(lost.message(), HasSubstr("lost"));
  EXPECT_FALSE(CheckValueType(table, status, TextValue("Delivered")).ok());
  EXPECT_FALSE(CheckValueType(table, status, TextValue("")).ok());
  // A plain text field of the same table takes any text.
  EXPECT_TRUE(
      CheckValueType(table, *table.field("note"), TextValue("lost")).ok());
}

}  // namespace
}  // namespace outpost::sync
