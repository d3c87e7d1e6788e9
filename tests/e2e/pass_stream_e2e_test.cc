// A checkpoint terminal's PassStream against a real node: answers in order,
// one per passage, each once durable; a refused passage is answered with its
// reason and writes nothing, and the stream goes on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "client/client.h"
#include "server/id_card.h"
#include "tests/sync/test_util.h"
#include "tools/testbed/node_process.h"

namespace outpost::testing {
namespace {

using sync::testing::TempDir;
using ::testing::HasSubstr;
namespace pb = outpost::v1;

std::string IdNumber(int n) {
  const std::string first17 = absl::StrFormat("11010119800101%03d", n % 1000);
  return first17 + server::IdCheckCharacter(first17);
}

pb::PassRequest Passage(const std::string& checkpoint, const std::string& id,
                        const std::string& direction, double temp) {
  pb::PassRequest r;
  r.set_checkpoint(checkpoint);
  r.set_id_number(id);
  r.set_direction(direction);
  r.set_temp(temp);
  r.set_staff("duty-1");
  r.set_visitor_name("访客");
  return r;
}

int64_t PassageRows(client::Client& client) {
  auto digests = client.Digests();
  EXPECT_TRUE(digests.ok()) << digests.status();
  int64_t rows = 0;
  if (!digests.ok()) return rows;
  for (const auto& d : digests->digests()) {
    if (d.table() == "passages") rows += d.rows();
  }
  return rows;
}

TEST(PassStreamE2E, AnswersInOrderDurableAndRefusalsWriteNothing) {
  TempDir dir;
  const NodeSpec spec{"yatai",       "community",   dir.path(),
                      "127.0.0.1:1", "127.0.0.1:0", {}};
  auto node = NodeProcess::Start(spec);
  ASSERT_TRUE(node.ok()) << node.status();
  auto client = client::Client::Connect({.address = (*node)->address(),
                                         .token = (*node)->admin_token(),
                                         .tls_ca = ""});
  ASSERT_TRUE(client.ok());
  auto& c = **client;

  pb::AddCompoundRequest compound;
  compound.mutable_compound()->set_id("yt-01");
  compound.mutable_compound()->set_community("yatai");
  compound.mutable_compound()->set_name("亚泰小区");
  ASSERT_TRUE(c.AddCompound(compound).ok());
  pb::AddCheckpointRequest checkpoint;
  checkpoint.mutable_checkpoint()->set_id("cp-01");
  checkpoint.mutable_checkpoint()->set_compound("yt-01");
  checkpoint.mutable_checkpoint()->set_name("北门");
  ASSERT_TRUE(c.AddCheckpoint(checkpoint).ok());
  pb::AddHouseholdRequest household;
  household.mutable_household()->set_community("yatai");
  household.mutable_household()->set_compound("yt-01");
  household.mutable_household()->set_building("3");
  household.mutable_household()->set_room("501");
  auto hh = c.AddHousehold(household);
  ASSERT_TRUE(hh.ok()) << hh.status();
  std::vector<std::string> residents;
  for (int i = 1; i <= 2; ++i) {
    pb::AddResidentRequest resident;
    resident.mutable_resident()->set_household_id(hh->id());
    resident.mutable_resident()->set_name(i == 1 ? "张伟" : "李娜");
    resident.mutable_resident()->set_id_number(IdNumber(i));
    auto id = c.AddResident(resident);
    ASSERT_TRUE(id.ok()) << id.status();
    residents.push_back(id->id());
  }
  pb::UpdateResidentRequest quarantine;
  quarantine.set_id(residents[1]);
  quarantine.add_set("control");
  quarantine.mutable_resident()->set_control("home_quarantine");
  ASSERT_TRUE(c.UpdateResident(quarantine).ok());

  // 200 rounds of: allow, fever, deny (quarantined going out), unknown
  // visitor, and two refusals (temperature out of range, unknown checkpoint).
  std::vector<pb::PassRequest> requests;
  for (int round = 0; round < 200; ++round) {
    requests.push_back(Passage("cp-01", IdNumber(1), "in", 36.5));
    requests.push_back(Passage("cp-01", IdNumber(1), "out", 38.1));
    requests.push_back(Passage("cp-01", IdNumber(2), "out", 36.4));
    requests.push_back(Passage("cp-01", IdNumber(500), "in", 36.6));
    requests.push_back(Passage("cp-01", IdNumber(1), "in", 50.0));
    requests.push_back(Passage("cp-99", IdNumber(1), "in", 36.5));
  }
  auto answers = c.PassMany(requests, 32);
  ASSERT_TRUE(answers.ok()) << answers.status();
  ASSERT_EQ(answers->size(), requests.size());
  const char* expected[] = {"ALLOW", "FEVER", "DENY", "UNKNOWN", "", ""};
  for (size_t i = 0; i < answers->size(); ++i) {
    const pb::PassResponse& a = (*answers)[i];
    ASSERT_EQ(a.ref(), i);
    EXPECT_EQ(a.decision(), expected[i % 6]) << i;
    if (i % 6 == 4) {
      EXPECT_THAT(a.error(), HasSubstr("temp")) << i;
    }
    if (i % 6 == 5) {
      EXPECT_THAT(a.error(), HasSubstr("checkpoint")) << i;
    }
    if (i % 6 < 4) {
      EXPECT_EQ(a.error(), "") << i;
      EXPECT_FALSE(a.passage_id().empty()) << i;
    }
    if (i % 6 == 1 || i % 6 == 2) {
      EXPECT_FALSE(a.alert_id().empty()) << i;
    }
  }
  EXPECT_EQ(PassageRows(c), 800);
  auto alerts = c.ListAlerts(pb::ListAlertsRequest());
  ASSERT_TRUE(alerts.ok());
  EXPECT_EQ(alerts->alerts_size(), 400);

  // Acknowledged means durable: a crash right after loses none of them.
  (*node)->Kill();
  node = NodeProcess::Start(spec);
  ASSERT_TRUE(node.ok()) << node.status();
  client = client::Client::Connect({.address = (*node)->address(),
                                    .token = (*node)->admin_token(),
                                    .tls_ca = ""});
  EXPECT_EQ(PassageRows(**client), 800);

  // An empty stream ends cleanly; a single terminal, one at a time, works.
  auto none = (*client)->PassMany({}, 1);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
  auto one = (*client)->PassMany({Passage("cp-01", IdNumber(1), "in", 36.5),
                                  Passage("cp-01", IdNumber(1), "out", 36.5)},
                                 1);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ((*one)[1].decision(), "ALLOW");
  EXPECT_EQ(PassageRows(**client), 802);
  EXPECT_EQ((*node)->Stop(), 0);
}

}  // namespace
}  // namespace outpost::testing
