#include "server/consolidation_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace outpost::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(SupplyCatalog, KnowsTheArticlesItemsWithUnits) {
  EXPECT_EQ(SupplyCatalog().size(), 14u);
  auto kg = FindSupplyItem("item", "effervescent_tablet");
  ASSERT_TRUE(kg.ok());
  EXPECT_STREQ(kg->unit, "kg");
  EXPECT_STREQ(FindSupplyItem("item", "antiviral_liquid")->unit, "盒");
  auto unknown = FindSupplyItem("item", "vaccine");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("item: \"vaccine\""));
}

TEST(SupplyQuantity, MustBePositiveAndBounded) {
  EXPECT_TRUE(PositiveQuantity("qty", 1).ok());
  EXPECT_EQ(PositiveQuantity("qty", 0).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(PositiveQuantity("qty", -3).message(), HasSubstr("qty"));
  EXPECT_FALSE(PositiveQuantity("qty", 10000001).ok());
}

TEST(StateMachines, OnlyForward) {
  EXPECT_TRUE(CheckForward("status", IncidentStates(), "open", "closed").ok());
  EXPECT_EQ(
      CheckForward("status", IncidentStates(), "closed", "responding").code(),
      absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckForward("status", IncidentStates(), "open", "open").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      CheckForward("filing_status", FilingStates(), "applied", "done").code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      CheckForward("filing_status", FilingStates(), "applied", "reopened")
          .ok());
}

TEST(StateMachines, ServiceRequestCancelAndDeliverExcludeEachOther) {
  EXPECT_TRUE(CheckServiceMove("requested", "accepted").ok());
  EXPECT_TRUE(CheckServiceMove("accepted", "delivered").ok());
  EXPECT_TRUE(CheckServiceMove("requested", "cancelled").ok());
  EXPECT_TRUE(CheckServiceMove("accepted", "cancelled").ok());
  EXPECT_THAT(CheckServiceMove("cancelled", "delivered").message(),
              HasSubstr("cancelled"));
  EXPECT_EQ(CheckServiceMove("delivered", "cancelled").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckServiceMove("delivered", "accepted").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckServiceMove("requested", "lost").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ReportDeadline, NextDayAtTheGivenTime) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  auto d = ReportDeadline("2020-02-29", "", utc);  // a leap day
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(absl::FormatTime("%Y-%m-%d %H:%M", *d, utc), "2020-03-01 10:00");
  auto late_evening = ReportDeadline("2020-12-31", "08:30", utc);
  EXPECT_EQ(absl::FormatTime("%Y-%m-%d %H:%M", *late_evening, utc),
            "2021-01-01 08:30");
  absl::TimeZone shanghai;
  ASSERT_TRUE(absl::LoadTimeZone("Asia/Shanghai", &shanghai));
  auto cst = ReportDeadline("2020-02-10", "10:00", shanghai);
  EXPECT_EQ(absl::FormatTime("%Y-%m-%d %H:%M", *cst, utc), "2020-02-11 02:00");
  EXPECT_THAT(ReportDeadline("2020-02-10", "25:00", utc).status().message(),
              HasSubstr("deadline"));
  EXPECT_THAT(ReportDeadline("2020-2-10", "", utc).status().message(),
              HasSubstr("date"));
}

TEST(ReportCompleteness, ExpectedReportedMissingLate) {
  const absl::Time deadline = absl::FromUnixMillis(10'000);
  ReportCompleteness c = ComputeCompleteness(
      {"yatai", "dongfeng", "xinhua", "liming"},
      {{"yatai", 9'000},
       {"dongfeng", 10'000},   // exactly at the deadline: on time
       {"xinhua", 10'001},     // late
       {"closed-office", 1}},  // not expected: ignored
      deadline);
  EXPECT_THAT(c.reported, ElementsAre("dongfeng", "xinhua", "yatai"));
  EXPECT_THAT(c.missing, ElementsAre("liming"));
  EXPECT_THAT(c.late, ElementsAre("xinhua"));
  ReportCompleteness none = ComputeCompleteness({}, {{"yatai", 1}}, deadline);
  EXPECT_THAT(none.reported, IsEmpty());
  EXPECT_THAT(none.missing, IsEmpty());
}

TEST(ReportId, OneRowPerCommunityAndDate) {
  EXPECT_EQ(ReportId("yatai", "2020-02-10"), "rpt-yatai-2020-02-10");
  EXPECT_NE(ReportId("yatai", "2020-02-10"), ReportId("yatai", "2020-02-11"));
}

}  // namespace
}  // namespace outpost::server
