// The domain's rules installed on a real receiving store (Outpost's schema):
// a peer's batch that squats another community's rows loses only those
// changes, to quarantine with the reason; the rest of the batch applies, and
// the genuine rows arrive afterwards as if nothing happened.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "server/consolidation_rules.h"
#include "server/id_card.h"
#include "server/id_cipher.h"
#include "server/replicated_rows.h"
#include "server/schema.h"
#include "server/validate.h"
#include "sync/store.h"
#include "tests/sync/test_util.h"

namespace outpost::server {
namespace {

using sync::testing::TempDir;
using ::testing::HasSubstr;

constexpr char kIdKey[] = "outpost-test-id-key-0123456789";
constexpr char kDate[] = "2020-02-01";

std::string Number(int i) {
  const std::string first17 = absl::StrCat("41010519850", 301 + i, "123");
  return first17 + IdCheckCharacter(first17);
}

class ReplicatedRowsStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<sync::Store> Open(const std::string& node,
                                    sync::ScopeSet scopes, bool checked) {
    sync::StoreOptions options;
    options.path = dir_.File(node + ".db");
    options.node_id = node;
    options.scopes = std::move(scopes);
    options.schema = OutpostSchema();
    options.synchronous_full = false;
    if (checked) {
      options.remote_row_check =
          ReplicatedRowCheck({.id_key = kIdKey, .cipher = cipher_});
    }
    auto store = sync::Store::Open(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  static void Write(sync::Store& store, sync::WriteRequest w) {
    auto written = store.Write(w);
    ASSERT_TRUE(written.ok())
        << w.table << " " << w.row_id << ": " << written.status();
  }

  static sync::WriteRequest Row(const std::string& table, const std::string& id,
                                const std::string& scope) {
    sync::WriteRequest w;
    w.table = table;
    w.row_id = id;
    w.scope = scope;
    return w;
  }

  static sync::WriteRequest Report(const std::string& id,
                                   const std::string& scope,
                                   const std::string& community) {
    sync::WriteRequest w = Row("daily_reports", id, scope);
    w.Set("community", sync::TextValue(community))
        .Set("date", sync::TextValue(kDate))
        .Set("zero", sync::BoolValue(true))
        .Set("submitted_ms", sync::IntValue(1580515200000));
    return w;
  }

  // Everything `from` has that `to` lacks, applied as one batch from `from`.
  static absl::StatusOr<sync::ApplyResult> Sync(sync::Store& from,
                                                sync::Store& to) {
    sync::ExtractRequest request;
    request.peer_vv = to.vv();
    request.peer_scopes = to.scopes();
    request.max_changes = 1000;
    auto extracted = from.Extract(request);
    if (!extracted.ok()) return extracted.status();
    return to.ApplyBatch({from.node_id(), from.scopes()}, extracted->changes,
                         std::nullopt);
  }

  // The heping node's day: its own report, a passage and a resident, and,
  // among them, yatai's report squatted in heping's scope and a resident
  // under yatai's person's id.
  void WriteHepingsBatch(sync::Store& heping) {
    sync::WriteRequest passage = Row("passages", "p1-heping", "heping");
    passage.Set("checkpoint", sync::TextValue("heping-gate"))
        .Set("direction", sync::TextValue("in"))
        .Set("temp", sync::RealValue(36.6))
        .Set("decision", sync::TextValue("ALLOW"));
    Write(heping, passage);
    Write(heping, Report(ReportId("yatai", kDate), "heping", "heping"));
    Write(heping, Report(ReportId("heping", kDate), "heping", "heping"));
    sync::WriteRequest squatter =
        Row("residents", ResidentId(kIdKey, Number(0)), "heping");
    squatter.Set("name", sync::TextValue("冒名"))
        .Set("id_number", sync::TextValue(cipher_->Encrypt(Number(9))));
    Write(heping, squatter);
    sync::WriteRequest resident =
        Row("residents", ResidentId(kIdKey, Number(1)), "heping");
    resident.Set("name", sync::TextValue("李娜"))
        .Set("id_number", sync::TextValue(cipher_->Encrypt(Number(1))))
        .Set("control", sync::TextValue("none"));
    Write(heping, resident);
  }

  // Yatai's genuine report and resident.
  void WriteYatais(sync::Store& yatai) {
    Write(yatai, Report(ReportId("yatai", kDate), "yatai", "yatai"));
    sync::WriteRequest resident =
        Row("residents", ResidentId(kIdKey, Number(0)), "yatai");
    resident.Set("name", sync::TextValue("张伟"))
        .Set("id_number", sync::TextValue(cipher_->Encrypt(Number(0))));
    Write(yatai, resident);
  }

  TempDir dir_;
  std::shared_ptr<const IdCipher> cipher_ = IdCipher::Development();
};

TEST_F(ReplicatedRowsStoreTest, SquattingChangesAreQuarantinedTheRestApplies) {
  auto heping = Open("heping", sync::ScopeSet::Of({"heping"}), false);
  auto yatai = Open("yatai", sync::ScopeSet::Of({"yatai"}), false);
  auto central = Open("central", sync::ScopeSet::All(), true);
  ASSERT_TRUE(heping && yatai && central);
  WriteHepingsBatch(*heping);
  WriteYatais(*yatai);

  auto applied = Sync(*heping, *central);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->applied, 3);
  EXPECT_EQ(applied->quarantined, 2);
  EXPECT_EQ(applied->pending, 0);
  for (const auto& [table, id] :
       std::vector<std::pair<std::string, std::string>>{
           {"passages", "p1-heping"},
           {"daily_reports", ReportId("heping", kDate)},
           {"residents", ResidentId(kIdKey, Number(1))}}) {
    EXPECT_TRUE(central->ReadValues(table, id).ok()) << table << " " << id;
  }
  EXPECT_FALSE(
      central->ReadValues("daily_reports", ReportId("yatai", kDate)).ok());
  EXPECT_FALSE(
      central->ReadValues("residents", ResidentId(kIdKey, Number(0))).ok());

  auto quarantine = central->ListQuarantine();
  ASSERT_TRUE(quarantine.ok()) << quarantine.status();
  ASSERT_EQ(quarantine->size(), 2u);
  std::vector<std::string> reasons;
  for (const sync::QuarantineEntry& e : *quarantine) {
    EXPECT_EQ(e.peer, "heping");
    EXPECT_EQ(e.code, static_cast<int>(absl::StatusCode::kInvalidArgument));
    reasons.push_back(e.reason);
  }
  EXPECT_THAT(
      reasons,
      ::testing::UnorderedElementsAre(
          HasSubstr(absl::StrCat("daily_reports ", ReportId("yatai", kDate),
                                 ": community, date")),
          HasSubstr(absl::StrCat("residents ", ResidentId(kIdKey, Number(0)),
                                 ": id_number"))));

  // Yatai's genuine rows then arrive and apply: nothing was squatted.
  auto genuine = Sync(*yatai, *central);
  ASSERT_TRUE(genuine.ok()) << genuine.status();
  EXPECT_EQ(genuine->applied, 2);
  EXPECT_EQ(genuine->quarantined, 0);
  auto report = central->ReadValues("daily_reports", ReportId("yatai", kDate));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ((*report)["community"].text_value(), "yatai");
}

// Without the rules (the engine's checks only) the same batch squats both
// rows, and yatai's genuine ones are the ones quarantined: what the rules
// are for.
TEST_F(ReplicatedRowsStoreTest, WithoutTheRulesTheGenuineRowsAreRefused) {
  auto heping = Open("heping", sync::ScopeSet::Of({"heping"}), false);
  auto yatai = Open("yatai", sync::ScopeSet::Of({"yatai"}), false);
  auto central = Open("central", sync::ScopeSet::All(), false);
  ASSERT_TRUE(heping && yatai && central);
  WriteHepingsBatch(*heping);
  WriteYatais(*yatai);
  auto applied = Sync(*heping, *central);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->applied, 5);
  auto genuine = Sync(*yatai, *central);
  ASSERT_TRUE(genuine.ok()) << genuine.status();
  EXPECT_EQ(genuine->quarantined, 2);
}

}  // namespace
}  // namespace outpost::server
