// Central's summary against the truth: every figure is compared, and a
// difference (central vs truth, or truth vs reference for the full office)
// is reported by name.
#include "tools/scenario/summary_check.h"

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/scenario/office.h"
#include "tools/scenario/plan.h"

namespace outpost::scenario {
namespace {

namespace pb = outpost::v1;
using ::testing::HasSubstr;

// A summary that says exactly what the truth says.
pb::SummaryResponse SummaryOf(const GroundTruth& truth) {
  const Counts& t = truth.total();
  const ReferenceCounts& r = truth.reference();
  pb::SummaryResponse s;
  for (const CommunityTruth& c : truth.communities())
    s.add_communities()->set_community(c.id());
  pb::CommunitySummary* total = s.add_communities();
  total->set_community("*");
  total->set_compounds(t.compounds());
  total->set_checkpoints(t.checkpoints());
  total->set_households(t.households());
  total->set_residents(t.residents());
  total->set_key_under_control(t.home_quarantine() +
                               t.centralized_quarantine());
  total->set_open_alerts(t.alerts());
  total->set_service_requests(t.service_requests());
  total->set_care_visits(t.care_visits());
  total->set_enterprises_reopened(r.enterprises());
  total->set_reopened_employees(r.enterprise_employees());
  total->set_enterprise_masks(r.enterprise_masks());
  total->set_incidents(r.emergency_responses());
  total->set_party_branches(r.party_branches());
  total->set_party_posts(r.party_posts());
  pb::DaySummary* day = s.add_days();
  day->set_passages(t.passages());
  day->set_fevers(t.passage_fevers());
  day->set_denials(t.denials());
  (*s.mutable_staff_by_role())["duty"] = t.staff();
  (*s.mutable_staff_by_role())["secretary"] = r.community_cadres() / 2;
  (*s.mutable_staff_by_role())["director"] = r.community_cadres() / 2;
  (*s.mutable_staff_by_role())["office_leader"] = r.office_leaders();
  (*s.mutable_staff_by_role())["office_staff"] = r.office_staff();
  for (const SupplyFigure& f : ReferenceSupplies()) {
    pb::ItemIssued* i = s.add_issued();
    i->set_item(f.catalog);
    i->set_issued(
        r.supplies_issued().at(std::string(f.item) + " (" + f.unit + ")"));
  }
  for (int64_t b = 0; b < r.donation_batches(); ++b) {
    pb::DonationBatch* d = s.add_donation_batches();
    d->set_donor("donor");
    d->set_batch("batch-" + std::to_string(b));
  }
  return s;
}

const GroundTruth& FullTruth() {
  static const GroundTruth* truth = [] {
    return new GroundTruth(ComputeTruth(GenerateOffice({}), 1));
  }();
  return *truth;
}

pb::CompletenessResponse AllReported(const GroundTruth& truth) {
  pb::CompletenessResponse done;
  for (const CommunityTruth& c : truth.communities()) done.add_reported(c.id());
  return done;
}

TEST(SummaryCheck, EqualSummaryHasNoDifferenceAndTheReferenceFigures) {
  const GroundTruth& truth = FullTruth();
  const std::vector<FigureRow> rows =
      SummaryFigures(truth, SummaryOf(truth), AllReported(truth));
  EXPECT_THAT(FigureDifferences(rows, /*full_office=*/true),
              ::testing::IsEmpty());
  int with_reference = 0;
  for (const FigureRow& row : rows) with_reference += row.reference >= 0;
  EXPECT_GE(with_reference, 30);  // 9 registry/people + 14 items + 7 work
  EXPECT_THAT(FormatFigures(rows), HasSubstr("178,260"));
}

TEST(SummaryCheck, EachDifferenceIsNamed) {
  const GroundTruth& truth = FullTruth();
  pb::SummaryResponse s = SummaryOf(truth);
  s.mutable_issued(0)->set_issued(s.issued(0).issued() - 1);  // masks
  s.mutable_communities(s.communities_size() - 1)->set_incidents(5);
  (*s.mutable_staff_by_role())["office_leader"] = 13;
  pb::CompletenessResponse done = AllReported(truth);
  done.add_missing("yatai");
  const std::vector<std::string> d =
      FigureDifferences(SummaryFigures(truth, s, done), true);
  ASSERT_EQ(d.size(), 4u) << ::testing::PrintToString(d);
  EXPECT_THAT(d[0], HasSubstr("office leaders: central 13, truth 14"));
  EXPECT_THAT(d[1], HasSubstr("missing"));
  EXPECT_THAT(d[2], HasSubstr("masks (个): central 178259, truth 178260"));
  EXPECT_THAT(d[3], HasSubstr("emergency responses: central 5, truth 6"));
}

TEST(SummaryCheck, TruthAgainstTheReferenceOnlyForTheFullOffice) {
  GroundTruth truth = FullTruth();
  truth.mutable_reference()->set_party_posts(28);
  pb::SummaryResponse s = SummaryOf(truth);  // central agrees with the truth
  const std::vector<FigureRow> rows =
      SummaryFigures(truth, s, AllReported(truth));
  EXPECT_THAT(FigureDifferences(rows, false), ::testing::IsEmpty());
  const std::vector<std::string> d = FigureDifferences(rows, true);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_THAT(d[0], HasSubstr("party-member posts: truth 28, reference 29"));
}

}  // namespace
}  // namespace outpost::scenario
