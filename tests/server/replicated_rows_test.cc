// The domain's rules for a replicated row, called directly: a good change
// passes, each bad one is refused naming the table, the row and the field.
#include "server/replicated_rows.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "server/consolidation_rules.h"
#include "server/id_card.h"
#include "server/validate.h"
#include "sync/schema.h"
#include "sync/store.h"

namespace outpost::server {
namespace {

using outpost::v1::Change;
using outpost::v1::Value;
using ::testing::HasSubstr;

constexpr char kIdKey[] = "outpost-test-id-key-0123456789";

// A valid GB 11643 number for person `i`, born 1985-03-0(i+1).
std::string Number(int i) {
  const std::string first17 = absl::StrCat("41010519850", 301 + i, "123");
  return first17 + IdCheckCharacter(first17);
}

// The engine's own value constructors (sync/store.h).
constexpr auto Text = sync::TextValue;
constexpr auto Int = sync::IntValue;
constexpr auto Real = sync::RealValue;

// A remote change as a peer sends it (writes sorted by field name).
class ChangeBuilder {
 public:
  ChangeBuilder(const std::string& table, const std::string& row_id,
                const std::string& scope) {
    change_.set_table(table);
    change_.set_row_id(row_id);
    change_.set_scope(scope);
    change_.mutable_dot()->set_origin("peer");
    change_.mutable_dot()->set_seq(1);
  }
  ChangeBuilder& Set(const std::string& field, Value value) {
    fields_[field] = std::move(value);
    return *this;
  }
  ChangeBuilder& Set(const std::string& field, const char* text) {
    return Set(field, Text(text));
  }
  ChangeBuilder& Set(const std::string& field, const std::string& text) {
    return Set(field, Text(text));
  }
  Change Build() const {
    Change c = change_;
    for (const auto& [field, value] : fields_) {
      auto* w = c.add_writes();
      w->set_field(field);
      *w->mutable_value() = value;
    }
    return c;
  }

 private:
  Change change_;
  std::map<std::string, Value> fields_;
};

using Row = std::map<std::string, Value>;

class ReplicatedRowsTest : public ::testing::Test {
 protected:
  ReplicatedRowsTest() {
    keys_.id_key = kIdKey;
    keys_.cipher = IdCipher::Development();
  }

  // Checks `change` against a row that is absent (`current` nullopt) or has
  // these shown values; counts the reads.
  absl::Status Check(const ChangeBuilder& change,
                     std::optional<Row> current = std::nullopt) {
    auto reader = [&]() -> absl::StatusOr<std::optional<Row>> {
      ++reads_;
      return current;
    };
    return CheckReplicatedRow(keys_, change.Build(), reader);
  }

  static void ExpectRefused(const absl::Status& status, const std::string& row,
                            const std::string& field) {
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
    EXPECT_THAT(status.message(), HasSubstr(row + ": " + field)) << status;
  }

  ReplicatedRowKeys keys_;
  int reads_ = 0;
};

// ---- Scope and community agree ----

TEST_F(ReplicatedRowsTest, CommunityFieldMustBeTheChangesScope) {
  for (const char* table : {"compounds", "checkpoints", "households",
                            "daily_reports", "service_requests", "incidents",
                            "enterprises", "party_branches", "staff"}) {
    SCOPED_TRACE(table);
    ExpectRefused(Check(ChangeBuilder(table, "x1", "heping")
                            .Set("community", "yatai")
                            .Set("name", "n")),
                  absl::StrCat(table, " x1"), "community: \"yatai\"");
  }
  EXPECT_TRUE(Check(ChangeBuilder("compounds", "c1", "yatai")
                        .Set("community", "yatai")
                        .Set("name", "小区")
                        .Set("kind", "public_rental"))
                  .ok());
  EXPECT_TRUE(Check(ChangeBuilder("checkpoints", "cp1", "yatai")
                        .Set("community", "yatai")
                        .Set("compound", "c1")
                        .Set("name", "北门"))
                  .ok());
  // An update that does not write the community is not the row's move (the
  // engine holds a row to its scope).
  EXPECT_TRUE(
      Check(ChangeBuilder("checkpoints", "cp1", "yatai").Set("name", "南门"))
          .ok());
  EXPECT_EQ(reads_, 0);
}

TEST_F(ReplicatedRowsTest, ACommunitysOwnRowIsInItsOwnScope) {
  EXPECT_TRUE(
      Check(ChangeBuilder("communities", "yatai", "yatai").Set("name", "亚太"))
          .ok());
  ExpectRefused(
      Check(
          ChangeBuilder("communities", "heping", "yatai").Set("name", "和平")),
      "communities heping", "scope");
}

TEST_F(ReplicatedRowsTest, OnlyTheOfficesStaffLiveInTheSubdistrictScope) {
  EXPECT_TRUE(Check(ChangeBuilder("staff", "ld", kWarehouseScope)
                        .Set("role", "office_leader")
                        .Set("community", "")
                        .Set("checkpoint", "")
                        .Set("name", "郑伟")
                        .Set("shift", "08:00-18:00"))
                  .ok());
  ExpectRefused(Check(ChangeBuilder("staff", "d1", kWarehouseScope)
                          .Set("role", "duty")
                          .Set("community", "")
                          .Set("checkpoint", "")
                          .Set("name", "刘强")
                          .Set("shift", "08:00-18:00")),
                "staff d1", "role");
  // An update without the role: the role is read from the row.
  EXPECT_TRUE(Check(ChangeBuilder("staff", "ld", kWarehouseScope)
                        .Set("phone", "13800000000"),
                    Row{{"role", Text("office_staff")}})
                  .ok());
  EXPECT_EQ(reads_, 1);
  // A community's staff have their community.
  ExpectRefused(Check(ChangeBuilder("staff", "d2", "yatai")
                          .Set("role", "duty")
                          .Set("community", "")
                          .Set("checkpoint", "cp1")),
                "staff d2", "community");
}

TEST_F(ReplicatedRowsTest, CommunityRowsAreNotInTheSubdistrictScope) {
  ExpectRefused(
      Check(ChangeBuilder("residents", "r1", kWarehouseScope).Set("name", "x")),
      "residents r1", "scope");
  ExpectRefused(Check(ChangeBuilder("passages", "p1", kWarehouseScope)
                          .Set("checkpoint", "cp1")),
                "passages p1", "scope");
  ExpectRefused(Check(ChangeBuilder("alerts", "al-1", kWarehouseScope)
                          .Set("kind", "fever")
                          .Set("status", "open")),
                "alerts al-1", "kind");
  EXPECT_TRUE(
      Check(ChangeBuilder("alerts", "neg-mask@warehouse-1", kWarehouseScope)
                .Set("kind", "negative_balance")
                .Set("status", "open"))
          .ok());
  EXPECT_TRUE(Check(ChangeBuilder("alerts", "al-2", "yatai")
                        .Set("kind", "fever")
                        .Set("status", "open"))
                  .ok());
}

// ---- Deterministic ids ----

TEST_F(ReplicatedRowsTest, ADailyReportsIdIsItsCommunityAndDate) {
  auto report = [](const std::string& id, const std::string& scope,
                   const std::string& community) {
    return ChangeBuilder("daily_reports", id, scope)
        .Set("community", community)
        .Set("date", "2020-02-01")
        .Set("passages", Int(12));
  };
  EXPECT_TRUE(Check(report("rpt-yatai-2020-02-01", "yatai", "yatai")).ok());
  // Heping's node squats yatai's report of the day, in its own scope.
  ExpectRefused(Check(report("rpt-yatai-2020-02-01", "heping", "heping")),
                "daily_reports rpt-yatai-2020-02-01", "community, date");
  ExpectRefused(Check(report("rpt-yatai-2020-02-01", "heping", "yatai")),
                "daily_reports rpt-yatai-2020-02-01", "community");
  // Created without what its id derives from.
  ExpectRefused(
      Check(ChangeBuilder("daily_reports", "rpt-yatai-2020-02-01", "heping")
                .Set("passages", Int(1))),
      "daily_reports rpt-yatai-2020-02-01", "community, date");
  EXPECT_EQ(reads_, 1);
  // A correction of an existing report's figures.
  EXPECT_TRUE(
      Check(ChangeBuilder("daily_reports", "rpt-yatai-2020-02-01", "yatai")
                .Set("passages", Int(13)),
            Row{{"community", Text("yatai")}, {"date", Text("2020-02-01")}})
          .ok());
  ExpectRefused(
      Check(report("rpt-yatai-2020-02-01", "yatai", "yatai").Set("date", "x")),
      "daily_reports rpt-yatai-2020-02-01", "date");
  ExpectRefused(Check(report("rpt-yatai-2020-02-01", "yatai", "yatai")
                          .Set("fevers", Int(-1))),
                "daily_reports rpt-yatai-2020-02-01", "fevers");
}

TEST_F(ReplicatedRowsTest, AHouseholdsIdIsItsAddress) {
  const std::string heping_flat = HouseholdId("heping", "c1", "3", "2", "501");
  const std::string yatai_flat = HouseholdId("yatai", "c1", "3", "2", "501");
  auto household = [](const std::string& id, const std::string& community) {
    return ChangeBuilder("households", id, community)
        .Set("community", community)
        .Set("compound", "c1")
        .Set("building", "3")
        .Set("unit", "2")
        .Set("room", "501");
  };
  EXPECT_TRUE(Check(household(yatai_flat, "yatai")).ok());
  EXPECT_EQ(reads_, 0);
  ExpectRefused(Check(household(heping_flat, "yatai")),
                "households " + heping_flat, "community, compound");
  // A derived id created without its full address.
  ExpectRefused(Check(ChangeBuilder("households", heping_flat, "yatai")
                          .Set("community", "yatai")
                          .Set("room", "501")),
                "households " + heping_flat, "compound: required");
  ExpectRefused(
      Check(ChangeBuilder("households", heping_flat, "yatai").Set("room", "1")),
      "households " + heping_flat, "community: required");
  // A rewrite of part of the address must keep deriving the id.
  const Row existing{{"community", Text("yatai")},
                     {"compound", Text("c1")},
                     {"building", Text("3")},
                     {"unit", Text("2")},
                     {"room", Text("501")}};
  ExpectRefused(
      Check(ChangeBuilder("households", yatai_flat, "yatai").Set("room", "502"),
            existing),
      "households " + yatai_flat, "community, compound");
  // Ids not of the derived form (Admin.Put's) cannot squat one.
  EXPECT_TRUE(
      Check(ChangeBuilder("households", "h1", "yatai").Set("room", "101"))
          .ok());
}

TEST_F(ReplicatedRowsTest, AResidentsIdIsItsNumbers) {
  const std::string mine = ResidentId(kIdKey, Number(0));
  const std::string theirs = ResidentId(kIdKey, Number(1));
  auto resident = [&](const std::string& id, const std::string& number) {
    return ChangeBuilder("residents", id, "yatai")
        .Set("name", "张伟")
        .Set("id_number", keys_.cipher->Encrypt(number))
        .Set("household", "hh-0000000000000001")
        .Set("control", "none")
        .Set("phone", "13800000000");
  };
  EXPECT_TRUE(Check(resident(mine, Number(0))).ok());
  EXPECT_EQ(reads_, 0);
  // Another person's id with this person's number.
  ExpectRefused(Check(resident(theirs, Number(0))), "residents " + theirs,
                "id_number");
  // A derived id created without the number it derives from.
  ExpectRefused(
      Check(ChangeBuilder("residents", theirs, "yatai").Set("name", "冒名")),
      "residents " + theirs, "id_number: required");
  // Nor may it lose its number later.
  ExpectRefused(
      Check(ChangeBuilder("residents", mine, "yatai").Set("id_number", ""),
            Row{{"name", Text("张伟")}}),
      "residents " + mine, "id_number: required");
  // An update of an existing resident reads the row once.
  reads_ = 0;
  EXPECT_TRUE(Check(ChangeBuilder("residents", mine, "yatai")
                        .Set("control", "home_quarantine"),
                    Row{{"name", Text("张伟")}})
                  .ok());
  EXPECT_EQ(reads_, 1);
  // An ID-less resident (random id) carries no number.
  EXPECT_TRUE(
      Check(ChangeBuilder("residents", "yatai-r1", "yatai").Set("name", "x"))
          .ok());
  // A number that is not one, or not under this sub-district's key.
  std::string bad = Number(2);
  bad.back() = bad.back() == '0' ? '1' : '0';
  ExpectRefused(Check(resident(mine, bad)), "residents " + mine, "id_number");
  ExpectRefused(Check(resident(mine, Number(0))
                          .Set("id_number", "e1:AAAAAAAAAAAAAAAAAAAAAAAAAAAA")),
                "residents " + mine, "id_number");
}

TEST_F(ReplicatedRowsTest, ADeleteOrRestoreIsNotACreation) {
  const std::string mine = ResidentId(kIdKey, Number(0));
  Value yes;
  yes.set_bool_value(true);
  EXPECT_TRUE(Check(ChangeBuilder("residents", mine, "yatai")
                        .Set(sync::kDeletedField, yes))
                  .ok());
  EXPECT_TRUE(
      Check(ChangeBuilder("daily_reports", "rpt-yatai-2020-02-01", "yatai")
                .Set(sync::kDeletedField, yes))
          .ok());
}

// ---- Values as a local write ----

TEST_F(ReplicatedRowsTest, ResidentValues) {
  ExpectRefused(
      Check(ChangeBuilder("residents", "r1", "yatai").Set("phone", "call me")),
      "residents r1", "phone");
  ExpectRefused(Check(ChangeBuilder("residents", "r1", "yatai")
                          .Set("control", "locked_up")),
                "residents r1", "control");
  ExpectRefused(Check(ChangeBuilder("residents", "r1", "yatai")
                          .Set("control_end", "2020-13-01")),
                "residents r1", "control_end");
  ExpectRefused(
      Check(ChangeBuilder("residents", "r1", "yatai").Set("name", " ")),
      "residents r1", "name");
}

TEST_F(ReplicatedRowsTest, PassagesAndHealthChecks) {
  auto passage = [](double temp, const char* decision) {
    return ChangeBuilder("passages", "p1", "yatai")
        .Set("checkpoint", "cp1")
        .Set("direction", "in")
        .Set("temp", Real(temp))
        .Set("decision", decision);
  };
  EXPECT_TRUE(Check(passage(36.5, "ALLOW")).ok());
  EXPECT_TRUE(Check(passage(38.0, "FEVER")).ok());
  EXPECT_EQ(reads_, 0);  // the catch-up path reads nothing
  ExpectRefused(Check(passage(55.0, "FEVER")), "passages p1", "temp");
  ExpectRefused(Check(passage(38.0, "ALLOW")), "passages p1", "decision");
  ExpectRefused(Check(passage(36.5, "MAYBE")), "passages p1", "decision");
  ExpectRefused(Check(passage(36.5, "ALLOW").Set("direction", "up")),
                "passages p1", "direction");
  ExpectRefused(Check(ChangeBuilder("health_checks", "h1", "yatai")
                          .Set("temp", Real(20.0))),
                "health_checks h1", "temp");
}

TEST_F(ReplicatedRowsTest, StaffAndCompoundValues) {
  ExpectRefused(Check(ChangeBuilder("staff", "s1", "yatai")
                          .Set("community", "yatai")
                          .Set("shift", "8-18")),
                "staff s1", "shift");
  ExpectRefused(
      Check(ChangeBuilder("staff", "s1", "yatai").Set("role", "mayor")),
      "staff s1", "role");
  ExpectRefused(
      Check(ChangeBuilder("compounds", "c1", "yatai").Set("kind", "castle")),
      "compounds c1", "kind");
  ExpectRefused(Check(ChangeBuilder("compounds", "c1", "yatai")
                          .Set("closed_since", "yesterday")),
                "compounds c1", "closed_since");
}

TEST_F(ReplicatedRowsTest, SupplyLedger) {
  auto movement = [](const std::string& id, const std::string& scope,
                     const std::string& location, int64_t qty,
                     const char* kind) {
    return ChangeBuilder("supply_movements", id, scope)
        .Set("item", "mask")
        .Set("location", location)
        .Set("qty", Int(qty))
        .Set("kind", kind);
  };
  EXPECT_TRUE(
      Check(movement("mv1", kWarehouseScope, kWarehouse, 100, "procurement"))
          .ok());
  EXPECT_TRUE(
      Check(movement("mv2-out", kWarehouseScope, kWarehouse, -10, "issue"))
          .ok());
  EXPECT_TRUE(Check(movement("mv2-in", "yatai", "yatai", 10, "issue")).ok());
  ExpectRefused(Check(movement("mv3", "yatai", kWarehouse, 10, "procurement")),
                "supply_movements mv3", "location");
  ExpectRefused(
      Check(movement("mv4", kWarehouseScope, "yatai", 10, "procurement")),
      "supply_movements mv4", "location");
  ExpectRefused(Check(movement("mv5", "yatai", "yatai", -10, "procurement")),
                "supply_movements mv5", "qty");
  ExpectRefused(Check(movement("mv6", "yatai", "yatai", 0, "issue")),
                "supply_movements mv6", "qty");
  ExpectRefused(
      Check(movement("mv7", "yatai", "yatai", 20000000, "procurement")),
      "supply_movements mv7", "qty");
  ExpectRefused(Check(movement("mv8", "yatai", "yatai", 1, "theft")),
                "supply_movements mv8", "kind");
  ExpectRefused(Check(movement("mv9", "yatai", "yatai", 1, "procurement")
                          .Set("item", "gold")),
                "supply_movements mv9", "item");
  ExpectRefused(Check(movement("mv10", "yatai", "yatai", 1, "donation")),
                "supply_movements mv10", "donor");
}

TEST_F(ReplicatedRowsTest, ConsolidationValues) {
  ExpectRefused(Check(ChangeBuilder("enterprises", "e1", "yatai")
                          .Set("employees", Int(-1))),
                "enterprises e1", "employees");
  ExpectRefused(
      Check(ChangeBuilder("enterprises", kWarehouse, "yatai").Set("name", "x")),
      absl::StrCat("enterprises ", kWarehouse), "id");
  ExpectRefused(Check(ChangeBuilder("service_requests", "sr1", "yatai")
                          .Set("kind", "taxi")),
                "service_requests sr1", "kind");
  ExpectRefused(
      Check(ChangeBuilder("incidents", "inc1", "yatai").Set("kind", "rumour")),
      "incidents inc1", "kind");
  ExpectRefused(
      Check(ChangeBuilder("care_visits", "cv1", "yatai").Set("mode", "letter")),
      "care_visits cv1", "mode");
}

// ---- The hook's contract ----

TEST_F(ReplicatedRowsTest, OtherTablesAndReadErrors) {
  EXPECT_TRUE(Check(ChangeBuilder("sys_resolutions", "x", kWarehouseScope)
                        .Set("reason", "r"))
                  .ok());
  auto failing = []() -> absl::StatusOr<std::optional<Row>> {
    return absl::UnavailableError("disk");
  };
  // An I/O error is not a refusal: it fails the batch.
  absl::Status status = CheckReplicatedRow(
      keys_,
      ChangeBuilder("daily_reports", "rpt-yatai-2020-02-01", "yatai")
          .Set("passages", Int(1))
          .Build(),
      failing);
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
}

TEST_F(ReplicatedRowsTest, TheFactorysCheckIsTheSame) {
  sync::RemoteRowCheck check = ReplicatedRowCheck(keys_);
  auto absent = []() -> absl::StatusOr<std::optional<Row>> {
    return std::nullopt;
  };
  EXPECT_TRUE(
      check(ChangeBuilder("daily_reports", "rpt-yatai-2020-02-01", "yatai")
                .Set("community", "yatai")
                .Set("date", "2020-02-01")
                .Build(),
            absent)
          .ok());
  ExpectRefused(
      check(ChangeBuilder("daily_reports", "rpt-yatai-2020-02-01", "heping")
                .Set("community", "heping")
                .Set("date", "2020-02-01")
                .Build(),
            absent),
      "daily_reports rpt-yatai-2020-02-01", "community, date");
}

}  // namespace
}  // namespace outpost::server
