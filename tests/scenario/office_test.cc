// The generator: the reference office's figures exactly, valid and unique
// ID-card numbers, determinism by seed, consistent subsets, and day plans
// whose counts add up to the truth.
#include "tools/scenario/office.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/id_card.h"
#include "tools/scenario/consolidate.h"
#include "tools/scenario/plan.h"
#include "tools/scenario/random.h"

namespace outpost::scenario {
namespace {

const Office& FullOffice() {
  static const Office* office = new Office(GenerateOffice({}));
  return *office;
}

TEST(OfficeTest, FullOfficeHasTheReferenceFigures) {
  const Office& office = FullOffice();
  EXPECT_EQ(office.communities.size(), 18u);
  EXPECT_EQ(office.compounds.size(), 78u);
  int rental = 0;
  for (const Compound& k : office.compounds)
    rental += k.kind == "public_rental";
  EXPECT_EQ(rental, 5);
  EXPECT_EQ(office.checkpoints.size(), 85u);
  EXPECT_EQ(office.staff.size(), 779u);
  EXPECT_EQ(office.households.size(), 56149u);
  EXPECT_EQ(office.residents.size(), 161771u);
  const GroundTruth truth = ComputeTruth(office, 0);
  EXPECT_EQ(truth.total().communities(), 18);
  EXPECT_EQ(truth.total().closed_compounds(), 73);
  EXPECT_EQ(truth.total().public_rental_compounds(), 5);
  EXPECT_EQ(truth.total().checkpoints(), 85);
  EXPECT_EQ(truth.total().staff(), 779);
  EXPECT_EQ(truth.total().households(), 56149);
  EXPECT_EQ(truth.total().residents(), 161771);
  EXPECT_EQ(truth.reference().community_cadres(), 36);
  EXPECT_EQ(truth.reference().supplies_issued().at("口罩 masks (个)"), 178260);
  // The work records sum to the reference figures.
  const ReferenceCounts& ref = truth.reference();
  for (const SupplyFigure& s : ReferenceSupplies()) {
    EXPECT_EQ(ref.supplies_issued().at(absl::StrCat(s.item, " (", s.unit, ")")),
              s.quantity)
        << s.item;
  }
  EXPECT_EQ(ref.supplies_issued().at("84消毒液 84 disinfectant (桶/瓶)"), 1904);
  EXPECT_EQ(ref.donation_batches(), 41);
  EXPECT_EQ(ref.office_leaders(), 14);
  EXPECT_EQ(ref.office_staff(), 192);
  EXPECT_EQ(ref.enterprises(), 171);
  EXPECT_EQ(ref.enterprise_employees(), 3300);
  EXPECT_EQ(ref.enterprise_masks(), 49500);
  EXPECT_EQ(ref.party_branches(), 20);
  EXPECT_EQ(ref.party_posts(), 29);
  EXPECT_EQ(ref.emergency_responses(), 6);
  EXPECT_GT(truth.total().home_quarantine(), 0);
  EXPECT_GT(truth.total().centralized_quarantine(), 0);
}

TEST(OfficeTest, IdNumbersAreValidAndUnique) {
  const Office& office = FullOffice();
  std::set<std::string> seen;
  for (const Resident& r : office.residents) {
    absl::StatusOr<std::string> n = server::NormalizeIdNumber(r.id_number);
    ASSERT_TRUE(n.ok()) << r.id_number << ": " << n.status();
    ASSERT_EQ(*n, r.id_number);
    ASSERT_TRUE(seen.insert(r.id_number).second) << r.id_number;
    ASSERT_FALSE(r.name.empty());
  }
  for (const Staff& s : office.staff) {
    ASSERT_TRUE(server::NormalizeIdNumber(s.id_number).ok()) << s.id_number;
  }
}

TEST(OfficeTest, SameSeedSameOfficeOtherSeedOther) {
  const Office a = GenerateOffice({7, 0.02, 18});
  const Office b = GenerateOffice({7, 0.02, 18});
  const Office c = GenerateOffice({8, 0.02, 18});
  for (int i = 0; i < 18; ++i)
    EXPECT_EQ(ResidentsCsv(a, i), ResidentsCsv(b, i));
  EXPECT_NE(ResidentsCsv(a, 0), ResidentsCsv(c, 0));
  // The generator is pinned, not just self-consistent: a change of mapping
  // (or of the standard library) shows here.
  EXPECT_EQ(FullOffice().residents[0].id_number, "420114198008060525");
}

TEST(OfficeTest, SubsetIsTheFirstCommunitiesOfTheFullOffice) {
  const Office full = GenerateOffice({11, 0.05, 18});
  const Office sub = GenerateOffice({11, 0.05, 3});
  ASSERT_EQ(sub.communities.size(), 3u);
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(ResidentsCsv(sub, c), ResidentsCsv(full, c));
    EXPECT_EQ(sub.communities[c].id, full.communities[c].id);
  }
  for (const Household& h : sub.households) {
    EXPECT_LT(h.community, 3);
    EXPECT_EQ(sub.compounds[h.compound].community, h.community);
    for (int m : h.members)
      EXPECT_EQ(&sub.households[sub.residents[m].household], &h);
  }
  for (const Staff& s : sub.staff)
    EXPECT_LT(sub.compounds[sub.checkpoints[s.checkpoint].compound].community,
              3);
}

TEST(OfficeTest, CsvHasTheImportColumnsAndOneLinePerResident) {
  const Office office = GenerateOffice({3, 0.01, 2});
  const std::string csv = ResidentsCsv(office, 1);
  std::vector<std::string> lines = absl::StrSplit(csv, '\n', absl::SkipEmpty());
  EXPECT_EQ(lines[0],
            "community,compound,building,unit,room,name,id_number,phone,"
            "key_category");
  size_t residents = 0;
  for (int k : office.communities[1].compounds)
    for (int h : office.compounds[k].households)
      residents += office.households[h].members.size();
  EXPECT_EQ(lines.size(), residents + 1);
}

TEST(PlanTest, DaysAreDeterministicAndAddUpToTheTruth) {
  OfficeOptions options;
  options.seed = 5;
  options.scale = 0.05;
  options.communities = 4;
  options.quarantine_rate = 0.05;
  const Office office = GenerateOffice(options);
  PlanOptions plan;
  plan.exit_attempt_rate = 1.0;
  const GroundTruth truth = ComputeTruth(office, 2, plan);
  Counts sum;
  for (int c = 0; c < 4; ++c) {
    for (int d = 0; d < 2; ++d) {
      const CommunityDay day = PlanDay(office, c, d, plan);
      const CommunityDay again = PlanDay(office, c, d, plan);
      ASSERT_EQ(day.passes.size(), again.passes.size());
      AddDay(day, &sum);
      for (const PassEvent& e : day.passes) {
        const Resident& r = office.residents[e.resident];
        if (e.expect == "DENY") {
          EXPECT_TRUE(e.out);
          EXPECT_EQ(r.control, "home_quarantine");
        }
        EXPECT_EQ(e.expect == "FEVER", e.temp_tenths >= kFeverTenths);
        EXPECT_EQ(office.compounds[office.checkpoints[e.checkpoint].compound]
                      .community,
                  c);
      }
    }
  }
  EXPECT_EQ(sum.passages(), truth.total().passages());
  EXPECT_EQ(sum.denials(), truth.total().denials());
  EXPECT_EQ(sum.health_checks(), truth.total().health_checks());
  EXPECT_GT(truth.total().denials(), 0);
  EXPECT_EQ(truth.total().daily_reports(), 4 * 2);
  EXPECT_GT(truth.total().service_requests(), 0);
  // About two passages per household and day.
  const double per_household =
      static_cast<double>(truth.total().passages()) /
      (2.0 * static_cast<double>(truth.total().households()));
  EXPECT_GT(per_household, 1.6);
  EXPECT_LT(per_household, 2.4);
}

TEST(SplitTest, SumsExactlyWithMinimums) {
  const std::vector<int64_t> parts = Split(779, 85, 4, {});
  int64_t sum = 0;
  for (int64_t p : parts) {
    EXPECT_GE(p, 4);
    sum += p;
  }
  EXPECT_EQ(sum, 779);
  Rng a(1), b(1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.Range(0, 9), b.Range(0, 9));
}

TEST(CompareTest, ReportsEachDifferenceByCommunityAndTotal) {
  GroundTruth truth;
  CommunityTruth* c = truth.add_communities();
  c->set_id("yatai");
  c->mutable_counts()->set_residents(10);
  c->mutable_counts()->set_passages(4);
  *truth.mutable_total() = c->counts();
  std::map<std::string, Counts> central;
  central["yatai"].set_residents(10);
  central["yatai"].set_passages(3);
  EXPECT_THAT(CompareWithTruth(truth, central),
              ::testing::ElementsAre("yatai: passages: expected 4, got 3",
                                     "total: passages: expected 4, got 3"));
  central["yatai"].set_passages(4);
  EXPECT_TRUE(CompareWithTruth(truth, central).empty());
  central["hongfu"].set_residents(1);
  EXPECT_THAT(CompareWithTruth(truth, central),
              ::testing::Contains("hongfu: not in the truth"));
}

}  // namespace
}  // namespace outpost::scenario
