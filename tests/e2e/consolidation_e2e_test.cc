// Consolidation over real outpostd processes: communities report while the
// central office is down and central's completeness is right once they sync;
// concurrent issues of the same stock merge into a negative balance that
// raises one alert, not a conflict.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "outpost/v1/community.grpc.pb.h"
#include "outpost/v1/consolidation.grpc.pb.h"
#include "server/id_card.h"
#include "tests/e2e/e2e_util.h"
#include "tests/sync/test_util.h"
#include "tools/testbed/node_process.h"

namespace outpost::testing {
namespace {

using sync::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
namespace pb = outpost::v1;
using CStub = pb::Community::Stub;
using XStub = pb::Consolidation::Stub;

std::string IdNumber(int n) {
  const std::string first17 = absl::StrFormat("11010119800101%03d", n % 1000);
  return first17 + server::IdCheckCharacter(first17);
}

// The local date `days_ago` days back, as the nodes (same TZ) compute it.
std::string LocalDate(int days_ago) {
  const absl::CivilDay day =
      absl::ToCivilDay(absl::Now(), absl::LocalTimeZone()) - days_ago;
  return absl::FormatCivilTime(day);
}

class Api {
 public:
  explicit Api(const std::string& address)
      : token_(NodeProcess::AdminTokenFor(address)) {
    auto channel =
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    community_ = pb::Community::NewStub(channel);
    consolidation_ = pb::Consolidation::NewStub(channel);
  }
  template <typename Resp, typename Req, typename Method>
  absl::StatusOr<Resp> C(Method method, const Req& request) {
    return Call<Resp>(community_.get(), method, request);
  }
  template <typename Resp, typename Req, typename Method>
  absl::StatusOr<Resp> X(Method method, const Req& request) {
    return Call<Resp>(consolidation_.get(), method, request);
  }

 private:
  template <typename Resp, typename Stub, typename Req, typename Method>
  absl::StatusOr<Resp> Call(Stub* stub, Method method, const Req& request) {
    grpc::ClientContext context;
    WithDeadline(&context);
    context.AddMetadata("authorization", "Bearer " + token_);
    Resp response;
    grpc::Status s = (stub->*method)(&context, request, &response);
    if (!s.ok()) return server::FromGrpcStatus(s);
    return response;
  }
  const std::string token_;  // the node's admin token
  std::unique_ptr<CStub> community_;
  std::unique_ptr<XStub> consolidation_;
};

absl::StatusOr<pb::DailyReport> Submit(Api& api, const std::string& community,
                                       const std::string& date, bool zero) {
  pb::SubmitReportRequest r;
  r.set_community(community);
  r.set_date(date);
  r.set_zero(zero);
  r.set_by(community + "-值班员");
  return api.X<pb::DailyReport>(&XStub::SubmitReport, r);
}

absl::StatusOr<pb::CompletenessResponse> Completeness(Api& api,
                                                      const std::string& date) {
  pb::CompletenessRequest r;
  r.set_date(date);
  return api.X<pb::CompletenessResponse>(&XStub::Completeness, r);
}

absl::Status AddCommunity(Api& api, const std::string& id,
                          const std::string& name) {
  pb::AddCommunityRequest r;
  r.mutable_community()->set_id(id);
  r.mutable_community()->set_name(name);
  return api.C<pb::IdResponse>(&CStub::AddCommunity, r).status();
}

TEST(ConsolidationE2E, CommunitiesReportWhileCentralIsDown) {
  TempDir dir;
  auto first = NodeProcess::Start(
      {"central", "central", dir.path(), "", "127.0.0.1:0", {}});
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string central_address = (*first)->address();
  {
    Api central((*first)->address());
    ASSERT_TRUE(AddCommunity(central, "yatai", "亚泰").ok());
    ASSERT_TRUE(AddCommunity(central, "dongfeng", "东风").ok());
    ASSERT_TRUE(AddCommunity(central, "xinhua", "新华").ok());
  }
  ASSERT_EQ((*first)->Stop(), 0);  // central is down all day

  auto yatai = NodeProcess::Start(
      {"yatai", "community", dir.path(), central_address, "127.0.0.1:0", {}});
  ASSERT_TRUE(yatai.ok()) << yatai.status();
  auto dongfeng = NodeProcess::Start({"dongfeng",
                                      "community",
                                      dir.path(),
                                      central_address,
                                      "127.0.0.1:0",
                                      {}});
  ASSERT_TRUE(dongfeng.ok()) << dongfeng.status();
  Api y((*yatai)->address());
  Api d((*dongfeng)->address());

  // Yatai's day: one new resident, two passages (one fever).
  pb::AddCompoundRequest compound;
  compound.mutable_compound()->set_id("yt-01");
  compound.mutable_compound()->set_community("yatai");
  compound.mutable_compound()->set_name("亚泰小区");
  ASSERT_TRUE(y.C<pb::IdResponse>(&CStub::AddCompound, compound).ok());
  pb::AddCheckpointRequest checkpoint;
  checkpoint.mutable_checkpoint()->set_id("cp-01");
  checkpoint.mutable_checkpoint()->set_compound("yt-01");
  checkpoint.mutable_checkpoint()->set_name("北门");
  ASSERT_TRUE(y.C<pb::IdResponse>(&CStub::AddCheckpoint, checkpoint).ok());
  pb::AddHouseholdRequest household;
  household.mutable_household()->set_community("yatai");
  household.mutable_household()->set_compound("yt-01");
  household.mutable_household()->set_building("3");
  household.mutable_household()->set_room("501");
  auto hh = y.C<pb::IdResponse>(&CStub::AddHousehold, household);
  ASSERT_TRUE(hh.ok()) << hh.status();
  pb::AddResidentRequest resident;
  resident.mutable_resident()->set_name("张伟");
  resident.mutable_resident()->set_id_number(IdNumber(1));
  resident.mutable_resident()->set_household_id(hh->id());
  ASSERT_TRUE(y.C<pb::IdResponse>(&CStub::AddResident, resident).ok());
  for (double temp : {36.5, 38.2}) {
    pb::PassRequest pass;
    pass.set_checkpoint("cp-01");
    pass.set_id_number(IdNumber(1));
    pass.set_direction("in");
    pass.set_temp(temp);
    pass.set_staff("duty-1");
    ASSERT_TRUE(y.C<pb::PassResponse>(&CStub::Pass, pass).ok());
  }

  const std::string today = LocalDate(0);
  // A zero report is refused on a day with activity, naming the figures.
  auto not_zero = Submit(y, "yatai", today, /*zero=*/true);
  EXPECT_EQ(not_zero.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(not_zero.status().message(), HasSubstr("fevers=1"));
  auto report = Submit(y, "yatai", today, false);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->passages(), 2);
  EXPECT_EQ(report->fevers(), 1);
  EXPECT_EQ(report->new_registrations(), 1);
  EXPECT_EQ(report->alerts_opened(), 1);
  // Submitted again (a second operator): still one row for (yatai, today).
  ASSERT_TRUE(Submit(y, "yatai", today, false).ok());
  // A community cannot report for another one; bad dates are refused.
  EXPECT_EQ(Submit(y, "dongfeng", today, true).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Submit(y, "yatai", "2020-13-01", false).status().message(),
              HasSubstr("date"));

  // Dongfeng: nothing happened today (a zero report), and it is late with
  // the report of two days ago.
  auto zero = Submit(d, "dongfeng", today, true);
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_TRUE(zero->zero());
  ASSERT_TRUE(Submit(d, "dongfeng", LocalDate(2), true).ok());

  // Central comes back; the communities' uploads bring the reports.
  auto central = NodeProcess::Start(
      {"central", "central", dir.path(), "", central_address, {}});
  ASSERT_TRUE(central.ok()) << central.status();
  ASSERT_TRUE(
      WaitFor([&] { return VerifiedEqual(**yatai); }, absl::Seconds(30)));
  ASSERT_TRUE(
      WaitFor([&] { return VerifiedEqual(**dongfeng); }, absl::Seconds(30)));
  Api c((*central)->address());
  auto complete = Completeness(c, today);
  ASSERT_TRUE(complete.ok()) << complete.status();
  EXPECT_EQ(complete->expected(), 3);
  EXPECT_THAT(complete->reported(), ElementsAre("dongfeng", "yatai"));
  EXPECT_THAT(complete->missing(), ElementsAre("xinhua"));
  EXPECT_THAT(complete->late(), IsEmpty());
  auto earlier = Completeness(c, LocalDate(2));
  ASSERT_TRUE(earlier.ok());
  EXPECT_THAT(earlier->reported(), ElementsAre("dongfeng"));
  EXPECT_THAT(earlier->late(), ElementsAre("dongfeng"));
  EXPECT_THAT(earlier->missing(), ElementsAre("xinhua", "yatai"));

  // One row per (community, date), with the community's figures.
  pb::ListReportsRequest list;
  list.set_date(today);
  auto reports = c.X<pb::ListReportsResponse>(&XStub::ListReports, list);
  ASSERT_TRUE(reports.ok());
  ASSERT_EQ(reports->reports_size(), 2);
  EXPECT_EQ(reports->reports(1).community(), "yatai");
  EXPECT_EQ(reports->reports(1).fevers(), 1);
  EXPECT_TRUE(reports->reports(0).zero());

  // Central submitting the same report (a correction) is the same row, and
  // keeps the first submission time.
  auto again = Submit(c, "yatai", today, false);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->submitted_ms(), reports->reports(1).submitted_ms());
  EXPECT_EQ(again->fevers(), 1);  // the same figures from the synced data
  auto after = c.X<pb::ListReportsResponse>(&XStub::ListReports, list);
  EXPECT_EQ(after->reports_size(), 2);
  ASSERT_TRUE(
      WaitFor([&] { return VerifiedEqual(**yatai); }, absl::Seconds(30)));
  auto conflicts = ConflictIds(**central);
  ASSERT_TRUE(conflicts.ok());
  EXPECT_THAT(*conflicts, IsEmpty());

  // The central summary sees the whole sub-district by community.
  auto summary =
      c.X<pb::SummaryResponse>(&XStub::Summary, pb::SummaryRequest());
  ASSERT_TRUE(summary.ok()) << summary.status();
  const pb::CommunitySummary& total =
      summary->communities(summary->communities_size() - 1);
  EXPECT_EQ(total.community(), "*");
  EXPECT_EQ(total.residents(), 1);
  EXPECT_EQ(total.checkpoints(), 1);
  EXPECT_EQ(total.open_alerts(), 1);
  ASSERT_EQ(summary->days_size(), 1);
  EXPECT_EQ(summary->days(0).passages(), 2);
  EXPECT_EQ(summary->days(0).fevers(), 1);
}

absl::StatusOr<int64_t> StockOf(Api& api, const std::string& location,
                                const std::string& item) {
  pb::StockRequest r;
  r.set_location(location);
  auto stock = api.X<pb::StockResponse>(&XStub::Stock, r);
  if (!stock.ok()) return stock.status();
  for (const pb::StockLine& line : stock->stock()) {
    if (line.item() == item) return line.qty();
  }
  return 0;
}

absl::Status Issue(Api& api, const std::string& from, const std::string& to,
                   int64_t qty) {
  pb::IssueSuppliesRequest r;
  r.set_item("mask");
  r.set_qty(qty);
  r.set_from(from);
  r.set_to(to);
  r.set_by("物资员");
  return api.X<pb::MovementResponse>(&XStub::IssueSupplies, r).status();
}

int NegativeAlerts(Api& api) {
  auto alerts = api.C<pb::ListAlertsResponse>(&CStub::ListAlerts,
                                              pb::ListAlertsRequest());
  int n = 0;
  if (!alerts.ok()) return -1;
  for (const pb::Alert& a : alerts->alerts()) {
    if (a.kind() == "negative_balance") ++n;
  }
  return n;
}

TEST(ConsolidationE2E, ConcurrentIssuesMergeIntoANegativeBalanceAlert) {
  TempDir dir;
  auto central = NodeProcess::Start(
      {"central", "central", dir.path(), "", "127.0.0.1:0", {}});
  ASSERT_TRUE(central.ok()) << central.status();
  const std::string central_address = (*central)->address();
  Api c(central_address);
  ASSERT_TRUE(AddCommunity(c, "yatai", "亚泰").ok());
  ASSERT_TRUE(AddCommunity(c, "dongfeng", "东风").ok());
  {  // Bad input is refused and writes nothing.
    pb::ReceiveSuppliesRequest r;
    r.set_item("mask");
    r.set_qty(0);
    r.set_location("warehouse");
    r.set_source("procurement");
    EXPECT_THAT(c.X<pb::MovementResponse>(&XStub::ReceiveSupplies, r)
                    .status()
                    .message(),
                HasSubstr("qty"));
    r.set_qty(100);
    r.set_item("vaccine");
    EXPECT_EQ(
        c.X<pb::MovementResponse>(&XStub::ReceiveSupplies, r).status().code(),
        absl::StatusCode::kNotFound);
    r.set_item("mask");
    r.set_location("mars");
    EXPECT_THAT(c.X<pb::MovementResponse>(&XStub::ReceiveSupplies, r)
                    .status()
                    .message(),
                HasSubstr("location"));
    r.set_location("warehouse");
    r.set_source("donation");
    r.set_donor("爱心企业");
    r.set_batch("D-001");
    ASSERT_TRUE(c.X<pb::MovementResponse>(&XStub::ReceiveSupplies, r).ok());
  }
  ASSERT_TRUE(Issue(c, "warehouse", "yatai", 100).ok());
  EXPECT_EQ(Issue(c, "warehouse", "yatai", 1).code(),
            absl::StatusCode::kFailedPrecondition);  // the warehouse is empty
  EXPECT_EQ(*StockOf(c, "warehouse", "mask"), 0);

  auto yatai = NodeProcess::Start(
      {"yatai", "community", dir.path(), central_address, "127.0.0.1:0", {}});
  ASSERT_TRUE(yatai.ok()) << yatai.status();
  Api y((*yatai)->address());
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = StockOf(y, "yatai", "mask");
        return s.ok() && *s == 100;
      },
      absl::Seconds(30)));

  // Partition: each side issues 80 of yatai's 100 masks.
  ASSERT_EQ((*central)->Stop(), 0);
  pb::AddCompoundRequest compound;
  compound.mutable_compound()->set_id("yt-01");
  compound.mutable_compound()->set_community("yatai");
  compound.mutable_compound()->set_name("亚泰小区");
  ASSERT_TRUE(y.C<pb::IdResponse>(&CStub::AddCompound, compound).ok());
  pb::AddCheckpointRequest checkpoint;
  checkpoint.mutable_checkpoint()->set_id("cp-01");
  checkpoint.mutable_checkpoint()->set_compound("yt-01");
  checkpoint.mutable_checkpoint()->set_name("北门");
  ASSERT_TRUE(y.C<pb::IdResponse>(&CStub::AddCheckpoint, checkpoint).ok());
  ASSERT_TRUE(Issue(y, "yatai", "cp-01", 80).ok());
  // Another community is not known at yatai: transfers go through central.
  EXPECT_THAT(Issue(y, "yatai", "dongfeng", 10).message(),
              HasSubstr("known to this node"));
  ASSERT_EQ((*yatai)->Stop(), 0);
  central = NodeProcess::Start(
      {"central", "central", dir.path(), "", central_address, {}});
  ASSERT_TRUE(central.ok()) << central.status();
  ASSERT_TRUE(Issue(c, "yatai", "dongfeng", 80).ok());  // central saw 100
  EXPECT_EQ(NegativeAlerts(c), 0);

  // Reunited: the balance is -60 on both, one alert, no conflict.
  yatai = NodeProcess::Start({"yatai",
                              "community",
                              dir.path(),
                              central_address,
                              (*yatai)->address(),
                              {}});
  ASSERT_TRUE(yatai.ok()) << yatai.status();
  Api y2((*yatai)->address());
  ASSERT_TRUE(
      WaitFor([&] { return VerifiedEqual(**yatai); }, absl::Seconds(30)));
  EXPECT_EQ(*StockOf(c, "yatai", "mask"), -60);
  EXPECT_EQ(*StockOf(y2, "yatai", "mask"), -60);
  ASSERT_TRUE(
      WaitFor([&] { return NegativeAlerts(c) == 1; }, absl::Seconds(10)));
  ASSERT_TRUE(
      WaitFor([&] { return NegativeAlerts(y2) == 1 && VerifiedEqual(**yatai); },
              absl::Seconds(30)));
  absl::SleepFor(absl::Seconds(2));  // further checks raise nothing new
  EXPECT_EQ(NegativeAlerts(c), 1);
  auto conflicts = ConflictIds(**central);
  ASSERT_TRUE(conflicts.ok());
  EXPECT_THAT(*conflicts, IsEmpty());
  auto donations = c.X<pb::ListDonationsResponse>(&XStub::ListDonations,
                                                  pb::ListDonationsRequest());
  ASSERT_EQ(donations->donations_size(), 1);
  EXPECT_EQ(donations->donations(0).donor(), "爱心企业");
}

TEST(ConsolidationE2E, TwoOfficesSubmittingOfflineMakeOneReportRow) {
  TempDir dir;
  auto central = NodeProcess::Start(
      {"central", "central", dir.path(), "", "127.0.0.1:0", {}});
  ASSERT_TRUE(central.ok()) << central.status();
  const std::string central_address = (*central)->address();
  Api c(central_address);
  ASSERT_TRUE(AddCommunity(c, "yatai", "亚泰").ok());
  const std::string today = LocalDate(0);
  // Central files yatai's report on the phone's word (nothing recorded yet)
  // and goes down; yatai, never having seen it, files its own.
  auto at_central = Submit(c, "yatai", today, /*zero=*/true);
  ASSERT_TRUE(at_central.ok()) << at_central.status();
  ASSERT_EQ((*central)->Stop(), 0);
  auto yatai = NodeProcess::Start(
      {"yatai", "community", dir.path(), central_address, "127.0.0.1:0", {}});
  ASSERT_TRUE(yatai.ok()) << yatai.status();
  Api y((*yatai)->address());
  pb::SubmitReportRequest own;
  own.set_community("yatai");
  own.set_date(today);
  own.set_by("亚泰-值班员");
  own.set_note("补报");
  ASSERT_TRUE(y.X<pb::DailyReport>(&XStub::SubmitReport, own).ok());

  central = NodeProcess::Start(
      {"central", "central", dir.path(), "", central_address, {}});
  ASSERT_TRUE(central.ok()) << central.status();
  ASSERT_TRUE(
      WaitFor([&] { return VerifiedEqual(**yatai); }, absl::Seconds(30)));
  pb::ListReportsRequest list;
  list.set_date(today);
  for (Api* api : {&c, &y}) {
    auto reports = api->X<pb::ListReportsResponse>(&XStub::ListReports, list);
    ASSERT_TRUE(reports.ok()) << reports.status();
    ASSERT_EQ(reports->reports_size(), 1);  // one row, on both nodes
  }
  auto complete = Completeness(c, today);
  ASSERT_TRUE(complete.ok());
  EXPECT_THAT(complete->reported(), ElementsAre("yatai"));
  EXPECT_THAT(complete->missing(), IsEmpty());
  // What the two offices wrote differently is kept and shown as conflicts
  // (the same list on both nodes) until an operator resolves them.
  auto at_c = ConflictIds(**central);
  auto at_y = ConflictIds(**yatai);
  ASSERT_TRUE(at_c.ok() && at_y.ok());
  EXPECT_FALSE(at_c->empty());
  EXPECT_EQ(*at_c, *at_y);
}

}  // namespace
}  // namespace outpost::testing
