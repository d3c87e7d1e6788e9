// The community's daily work over the real gRPC API of real nodes: registry,
// checkpoint decisions and alerts, offline at the community, then at central.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "outpost/v1/community.grpc.pb.h"
#include "server/id_card.h"
#include "tests/e2e/e2e_util.h"
#include "tests/sync/test_util.h"
#include "tools/testbed/node_process.h"

namespace outpost::testing {
namespace {

using sync::testing::TempDir;
using ::testing::HasSubstr;
namespace pb = outpost::v1;

// A valid ID-card number for Beijing Dongcheng, born 1980-01-01, sequence n.
std::string IdNumber(int n) {
  const std::string first17 = absl::StrFormat("11010119800101%03d", n % 1000);
  return first17 + server::IdCheckCharacter(first17);
}

class CommunityApi {
 public:
  // Calls with the node's admin token (NodeProcess::AdminTokenFor).
  explicit CommunityApi(const std::string& address)
      : stub_(pb::Community::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
        token_(NodeProcess::AdminTokenFor(address)) {}

  template <typename Req, typename Resp, typename Method>
  absl::StatusOr<Resp> Call(Method method, const Req& request) {
    grpc::ClientContext context;
    WithDeadline(&context);
    if (!token_.empty())
      context.AddMetadata("authorization", "Bearer " + token_);
    Resp response;
    grpc::Status s = (stub_.get()->*method)(&context, request, &response);
    if (!s.ok()) return server::FromGrpcStatus(s);
    return response;
  }
  absl::StatusOr<pb::PassResponse> Pass(const std::string& checkpoint,
                                        const std::string& id,
                                        const std::string& direction,
                                        double temp) {
    pb::PassRequest r;
    r.set_checkpoint(checkpoint);
    r.set_id_number(id);
    r.set_direction(direction);
    r.set_temp(temp);
    r.set_staff("duty-1");
    r.set_visitor_name("访客");
    return Call<pb::PassRequest, pb::PassResponse>(&pb::Community::Stub::Pass,
                                                   r);
  }

 private:
  std::unique_ptr<pb::Community::Stub> stub_;
  std::string token_;
};

TEST(CommunityE2E, CheckpointKeepsWorkingOfflineAndCentralSeesEverything) {
  TempDir dir;
  auto first = NodeProcess::Start(
      {"central", "central", dir.path(), "", "127.0.0.1:0", {}});
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string central_address = (*first)->address();
  ASSERT_EQ((*first)->Stop(), 0);  // central is down all morning

  auto node = NodeProcess::Start(
      {"yatai", "community", dir.path(), central_address, "127.0.0.1:0", {}});
  ASSERT_TRUE(node.ok()) << node.status();
  CommunityApi api((*node)->address());
  using Stub = pb::Community::Stub;

  pb::AddCompoundRequest compound;
  compound.mutable_compound()->set_id("yt-01");
  compound.mutable_compound()->set_community("yatai");
  compound.mutable_compound()->set_name("亚泰小区");
  ASSERT_TRUE((api.Call<pb::AddCompoundRequest, pb::IdResponse>(
                   &Stub::AddCompound, compound))
                  .ok());
  compound.mutable_compound()->set_kind("castle");
  auto bad_kind = api.Call<pb::AddCompoundRequest, pb::IdResponse>(
      &Stub::AddCompound, compound);
  EXPECT_THAT(bad_kind.status().message(), HasSubstr("kind"));

  pb::AddCheckpointRequest checkpoint;
  checkpoint.mutable_checkpoint()->set_id("cp-01");
  checkpoint.mutable_checkpoint()->set_compound("yt-01");
  checkpoint.mutable_checkpoint()->set_name("北门");
  ASSERT_TRUE((api.Call<pb::AddCheckpointRequest, pb::IdResponse>(
                   &Stub::AddCheckpoint, checkpoint))
                  .ok());

  pb::AddHouseholdRequest household;
  household.mutable_household()->set_community("yatai");
  household.mutable_household()->set_compound("yt-01");
  household.mutable_household()->set_building("3");
  household.mutable_household()->set_unit("2");
  household.mutable_household()->set_room("501");
  auto hh = api.Call<pb::AddHouseholdRequest, pb::IdResponse>(
      &Stub::AddHousehold, household);
  ASSERT_TRUE(hh.ok()) << hh.status();
  auto hh_again = api.Call<pb::AddHouseholdRequest, pb::IdResponse>(
      &Stub::AddHousehold, household);
  EXPECT_EQ(hh_again->id(), hh->id());  // the same flat is one household

  std::vector<std::string> ids;
  for (int i = 1; i <= 3; ++i) {
    pb::AddResidentRequest resident;
    resident.mutable_resident()->set_name(i == 1   ? "张伟"
                                          : i == 2 ? "王芳"
                                                   : "李娜");
    resident.mutable_resident()->set_id_number(IdNumber(i));
    resident.mutable_resident()->set_phone("1380000000" + std::to_string(i));
    resident.mutable_resident()->set_household_id(hh->id());
    auto id = api.Call<pb::AddResidentRequest, pb::IdResponse>(
        &Stub::AddResident, resident);
    ASSERT_TRUE(id.ok()) << id.status();
    ids.push_back(id->id());
  }
  {  // A mistyped number is refused, naming the field; a duplicate too.
    pb::AddResidentRequest typo;
    typo.mutable_resident()->set_name("错号");
    std::string wrong = IdNumber(4);
    wrong[16] = wrong[16] == '9' ? '0' : wrong[16] + 1;
    typo.mutable_resident()->set_id_number(wrong);
    typo.mutable_resident()->set_household_id(hh->id());
    auto r = api.Call<pb::AddResidentRequest, pb::IdResponse>(
        &Stub::AddResident, typo);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr("id_number"));
    typo.mutable_resident()->set_id_number(IdNumber(1));
    r = api.Call<pb::AddResidentRequest, pb::IdResponse>(&Stub::AddResident,
                                                         typo);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists);
  }
  // Resident 2 goes under home quarantine.
  pb::UpdateResidentRequest update;
  update.set_id(ids[1]);
  update.mutable_resident()->set_control("home_quarantine");
  update.add_set("control");
  auto updated = api.Call<pb::UpdateResidentRequest, pb::Resident>(
      &Stub::UpdateResident, update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->control(), "home_quarantine");
  EXPECT_EQ(updated->id_number(), server::MaskIdNumber(IdNumber(2)));

  // The checkpoint's morning, central unreachable.
  EXPECT_EQ(api.Pass("cp-01", IdNumber(1), "out", 36.4)->decision(), "ALLOW");
  auto fever = api.Pass("cp-01", IdNumber(3), "in", 38.1);
  ASSERT_TRUE(fever.ok());
  EXPECT_EQ(fever->decision(), "FEVER");
  EXPECT_FALSE(fever->alert_id().empty());
  auto deny = api.Pass("cp-01", IdNumber(2), "out", 36.6);
  EXPECT_EQ(deny->decision(), "DENY");
  auto visitor = api.Pass("cp-01", IdNumber(77), "in", 36.2);
  EXPECT_EQ(visitor->decision(), "UNKNOWN");
  EXPECT_EQ(visitor->id_number(), server::MaskIdNumber(IdNumber(77)));
  EXPECT_THAT(api.Pass("cp-01", IdNumber(1), "in", 33.0).status().message(),
              HasSubstr("temp"));
  EXPECT_THAT(api.Pass("cp-01", IdNumber(1), "up", 36.0).status().message(),
              HasSubstr("direction"));
  EXPECT_EQ(api.Pass("cp-99", IdNumber(1), "in", 36.0).status().code(),
            absl::StatusCode::kNotFound);

  auto alerts = api.Call<pb::ListAlertsRequest, pb::ListAlertsResponse>(
      &Stub::ListAlerts, pb::ListAlertsRequest());
  ASSERT_EQ(alerts->alerts_size(), 2);
  pb::UpdateAlertRequest ack;
  ack.set_id(fever->alert_id());
  ack.set_status("acknowledged");
  ack.set_note("已通知社区医生");
  ack.set_by("operator-1");
  auto acked =
      api.Call<pb::UpdateAlertRequest, pb::Alert>(&Stub::UpdateAlert, ack);
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(acked->status(), "acknowledged");

  // Central comes back: it shows every passage and alert.
  auto central = NodeProcess::Start(
      {"central", "central", dir.path(), "", central_address, {}});
  ASSERT_TRUE(central.ok()) << central.status();
  ASSERT_TRUE(
      WaitFor([&] { return VerifiedEqual(**node); }, absl::Seconds(30)));
  CommunityApi at_central((*central)->address());
  auto central_alerts =
      at_central.Call<pb::ListAlertsRequest, pb::ListAlertsResponse>(
          &Stub::ListAlerts, pb::ListAlertsRequest());
  ASSERT_TRUE(central_alerts.ok());
  EXPECT_EQ(central_alerts->alerts_size(), 2);
  pb::ListResidentsRequest quarantined;
  quarantined.set_control("home_quarantine");
  auto residents =
      at_central.Call<pb::ListResidentsRequest, pb::ResidentsResponse>(
          &Stub::ListResidents, quarantined);
  ASSERT_EQ(residents->residents_size(), 1);
  EXPECT_EQ(residents->residents(0).name(), "王芳");
  auto status = (*central)->Status();
  ASSERT_TRUE(status.ok());
  // Every acknowledged write: compound, checkpoint, household, 3 residents,
  // 1 update, 4 passages, 2 alerts, 1 acknowledgement.
  EXPECT_EQ(VvGet(status->vv(), "yatai"), 14u);
  // At central, the same person is found by number, masked.
  pb::FindResidentRequest find;
  find.set_id_number(IdNumber(3));
  auto found = at_central.Call<pb::FindResidentRequest, pb::ResidentsResponse>(
      &Stub::FindResident, find);
  ASSERT_EQ(found->residents_size(), 1);
  EXPECT_EQ(found->residents(0).id_number(), server::MaskIdNumber(IdNumber(3)));
}

}  // namespace
}  // namespace outpost::testing
