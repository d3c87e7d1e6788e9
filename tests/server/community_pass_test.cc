// Community.Pass in process: a real node (gRPC on loopback, SQLite in a
// temporary folder) and the Client. What a passage looks up before it is
// decided: the checkpoint (registered, open, the caller's community) and
// the resident (by number or by id, within the caller's community).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "client/client.h"
#include "server/id_card.h"
#include "server/node.h"
#include "tests/sync/test_util.h"

namespace outpost::server {
namespace {

namespace pb = outpost::v1;
using sync::testing::TempDir;
using ::testing::HasSubstr;

// A valid GB 11643 number for person `i`, born 1985-03-0(i+1).
std::string Number(int i) {
  const std::string first17 = absl::StrCat("41010519850", 301 + i, "123");
  return first17 + IdCheckCharacter(first17);
}

class CommunityPassTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NodeOptions options;
    options.node_id = "hub";
    options.role = "central";
    options.db_path = dir_.File("hub.db");
    options.synchronous_full = false;
    options.id_key = "outpost-test-id-key-0123456789";
    auto node = Node::Start(options);
    ASSERT_TRUE(node.ok()) << node.status();
    node_ = *std::move(node);
    std::ifstream in(dir_.File("hub.db.admin.token"));
    std::getline(in, admin_token_);
    admin_ = Connect(admin_token_);
    ASSERT_NE(admin_, nullptr);
    // Two communities, a compound and a gate each, one resident each.
    for (const std::string community : {"yatai", "beiling"}) {
      pb::AddCompoundRequest add_compound;
      pb::Compound& compound = *add_compound.mutable_compound();
      compound.set_id(community + "-c1");
      compound.set_community(community);
      compound.set_name("小区");
      ASSERT_TRUE(admin_->AddCompound(add_compound).ok());
      pb::AddCheckpointRequest add_checkpoint;
      pb::Checkpoint& checkpoint = *add_checkpoint.mutable_checkpoint();
      checkpoint.set_id(community + "-gate");
      checkpoint.set_compound(community + "-c1");
      checkpoint.set_name("北门");
      ASSERT_TRUE(admin_->AddCheckpoint(add_checkpoint).ok());
      pb::AddHouseholdRequest add_household;
      pb::Household& household = *add_household.mutable_household();
      household.set_community(community);
      household.set_compound(community + "-c1");
      household.set_building("1");
      household.set_unit("1");
      household.set_room("101");
      auto h = admin_->AddHousehold(add_household);
      ASSERT_TRUE(h.ok()) << h.status();
      pb::AddResidentRequest add_resident;
      pb::Resident& resident = *add_resident.mutable_resident();
      resident.set_household_id(h->id());
      resident.set_name(community == "yatai" ? "张伟" : "李娜");
      resident.set_id_number(Number(community == "yatai" ? 0 : 1));
      auto r = admin_->AddResident(add_resident);
      ASSERT_TRUE(r.ok()) << r.status();
      resident_ids_[community] = r->id();
    }
  }

  std::unique_ptr<client::Client> Connect(const std::string& token) {
    auto c = client::Client::Connect({absl::StrCat("127.0.0.1:", node_->port()),
                                      absl::Seconds(10), token, ""});
    return c.ok() ? *std::move(c) : nullptr;
  }

  // A yatai checkpoint terminal's client (bound to `gate` when given).
  std::unique_ptr<client::Client> Terminal(const std::string& gate = "") {
    pb::CreateTokenRequest create;
    create.set_role("checkpoint");
    create.set_scope("yatai");
    create.set_name("yatai gate terminal");
    create.set_checkpoint(gate);
    auto token = admin_->CreateToken(create);
    EXPECT_TRUE(token.ok()) << token.status();
    if (!token.ok()) return nullptr;
    EXPECT_EQ(token->info().checkpoint(), gate);
    return Connect(token->token());
  }

  static pb::PassRequest Passage(const std::string& checkpoint,
                                 const std::string& id_number) {
    pb::PassRequest r;
    r.set_checkpoint(checkpoint);
    r.set_id_number(id_number);
    r.set_direction("in");
    r.set_temp(36.5);
    r.set_staff("duty");
    return r;
  }

  TempDir dir_;
  std::unique_ptr<Node> node_;
  std::string admin_token_;
  std::unique_ptr<client::Client> admin_;
  std::map<std::string, std::string> resident_ids_;
};

TEST_F(CommunityPassTest, ByNumberAndByIdGiveTheSameResidentMasked) {
  auto by_number = admin_->Pass(Passage("yatai-gate", Number(0)));
  ASSERT_TRUE(by_number.ok()) << by_number.status();
  EXPECT_EQ(by_number->decision(), "ALLOW");
  EXPECT_EQ(by_number->resident_id(), resident_ids_["yatai"]);
  EXPECT_EQ(by_number->name(), "张伟");
  EXPECT_EQ(by_number->id_number(), MaskIdNumber(Number(0)));

  // By id the number is not in the request: it comes from the stored,
  // encrypted value, masked the same way.
  pb::PassRequest request = Passage("yatai-gate", "");
  request.set_resident_id(resident_ids_["yatai"]);
  auto by_id = admin_->Pass(request);
  ASSERT_TRUE(by_id.ok()) << by_id.status();
  EXPECT_EQ(by_id->decision(), "ALLOW");
  EXPECT_EQ(by_id->name(), "张伟");
  EXPECT_EQ(by_id->id_number(), by_number->id_number());

  // Someone not registered is a visitor, recorded with the masked number.
  pb::PassRequest visitor = Passage("yatai-gate", Number(5));
  visitor.set_visitor_name("王芳");
  auto unknown = admin_->Pass(visitor);
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_EQ(unknown->decision(), "UNKNOWN");
  EXPECT_EQ(unknown->resident_id(), "");
  EXPECT_EQ(unknown->name(), "王芳");
  EXPECT_EQ(unknown->id_number(), MaskIdNumber(Number(5)));
}

TEST_F(CommunityPassTest, RefusalsNameTheFieldAndWriteNothing) {
  auto before = admin_->Status();
  ASSERT_TRUE(before.ok());
  auto refused = [&](const pb::PassRequest& r) {
    auto response = admin_->Pass(r);
    EXPECT_FALSE(response.ok());
    return response.status();
  };
  absl::Status no_gate = refused(Passage("nowhere", Number(0)));
  EXPECT_TRUE(absl::IsNotFound(no_gate)) << no_gate;
  EXPECT_THAT(no_gate.message(),
              HasSubstr("checkpoint: \"nowhere\" is not registered"));

  pb::PassRequest unknown_id = Passage("yatai-gate", "");
  unknown_id.set_resident_id("r-nobody");
  absl::Status no_resident = refused(unknown_id);
  EXPECT_TRUE(absl::IsNotFound(no_resident)) << no_resident;
  EXPECT_THAT(no_resident.message(), HasSubstr("r-nobody is not registered"));

  std::string mistyped = Number(0);
  mistyped.back() = mistyped.back() == '1' ? '2' : '1';  // wrong check digit
  absl::Status bad_number = refused(Passage("yatai-gate", mistyped));
  EXPECT_THAT(bad_number.message(), HasSubstr("id_number"));
  EXPECT_THAT(refused(Passage("", Number(0))).message(),
              HasSubstr("checkpoint"));

  // A closed gate: its row changed through the engine, as a sync would.
  sync::WriteRequest close;
  close.table = "checkpoints";
  close.row_id = "yatai-gate";
  close.Set("active", sync::BoolValue(false));
  ASSERT_TRUE(node_->store()->Write(close).ok());
  absl::Status closed = refused(Passage("yatai-gate", Number(0)));
  EXPECT_TRUE(absl::IsFailedPrecondition(closed)) << closed;
  EXPECT_THAT(closed.message(), HasSubstr("\"yatai-gate\" is closed"));

  // None of the refusals wrote a passage: only the gate's change is new.
  auto after = admin_->Status();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->log_size(), before->log_size() + 1);
}

TEST_F(CommunityPassTest, AnOperatorClosesAndReopensAGate) {
  auto terminal = Terminal();
  ASSERT_NE(terminal, nullptr);
  pb::SetCheckpointActiveRequest close;
  close.set_id("yatai-gate");
  close.set_active(false);
  // A terminal may not close its own gate; an operator may.
  auto by_terminal = terminal->SetCheckpointActive(close);
  EXPECT_TRUE(absl::IsPermissionDenied(by_terminal.status()))
      << by_terminal.status();
  auto closed = admin_->SetCheckpointActive(close);
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_FALSE(closed->active());
  EXPECT_EQ(closed->community(), "yatai");
  EXPECT_EQ(closed->name(), "北门");
  auto refused = terminal->Pass(Passage("yatai-gate", Number(0)));
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status())) << refused.status();
  // The other community's gate is untouched.
  EXPECT_TRUE(admin_->Pass(Passage("beiling-gate", Number(1))).ok());

  pb::SetCheckpointActiveRequest open = close;
  open.set_active(true);
  ASSERT_TRUE(admin_->SetCheckpointActive(open).ok());
  auto allowed = terminal->Pass(Passage("yatai-gate", Number(0)));
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_EQ(allowed->decision(), "ALLOW");

  pb::SetCheckpointActiveRequest unknown = close;
  unknown.set_id("nowhere");
  auto missing = admin_->SetCheckpointActive(unknown);
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  EXPECT_THAT(missing.status().message(), HasSubstr("\"nowhere\""));
}

TEST_F(CommunityPassTest, AGateBoundTokenRecordsAtItsGateOnly) {
  pb::AddCheckpointRequest second;
  second.mutable_checkpoint()->set_id("yatai-gate2");
  second.mutable_checkpoint()->set_compound("yatai-c1");
  second.mutable_checkpoint()->set_name("南门");
  ASSERT_TRUE(admin_->AddCheckpoint(second).ok());
  auto terminal = Terminal("yatai-gate");
  ASSERT_NE(terminal, nullptr);
  auto own = terminal->Pass(Passage("yatai-gate", Number(0)));
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->decision(), "ALLOW");
  auto other = terminal->Pass(Passage("yatai-gate2", Number(0)));
  ASSERT_FALSE(other.ok());
  EXPECT_TRUE(absl::IsPermissionDenied(other.status())) << other.status();
  EXPECT_THAT(other.status().message(),
              HasSubstr("records at \"yatai-gate\" only"));
  // The stream is held to the same gate, passage by passage.
  pb::PassRequest wrong = Passage("yatai-gate2", Number(0));
  auto answers = terminal->PassMany({Passage("yatai-gate", Number(0)), wrong});
  ASSERT_TRUE(answers.ok()) << answers.status();
  ASSERT_EQ(answers->size(), 2u);
  EXPECT_EQ((*answers)[0].decision(), "ALLOW");
  EXPECT_THAT((*answers)[1].error(), HasSubstr("only"));

  // A gate of another community, or no such gate, cannot be bound.
  pb::CreateTokenRequest create;
  create.set_role("checkpoint");
  create.set_scope("yatai");
  create.set_checkpoint("beiling-gate");
  auto foreign = admin_->CreateToken(create);
  EXPECT_TRUE(absl::IsInvalidArgument(foreign.status())) << foreign.status();
  create.set_checkpoint("nowhere");
  EXPECT_TRUE(absl::IsNotFound(admin_->CreateToken(create).status()));
  auto listed = admin_->ListTokens(pb::ListTokensRequest());
  ASSERT_TRUE(listed.ok());
  bool bound = false;
  for (const pb::TokenInfo& t : listed->tokens())
    bound = bound || t.checkpoint() == "yatai-gate";
  EXPECT_TRUE(bound);
}

TEST_F(CommunityPassTest, ACheckpointTokenWorksInItsOwnCommunityOnly) {
  auto terminal = Terminal();
  ASSERT_NE(terminal, nullptr);

  auto own = terminal->Pass(Passage("yatai-gate", Number(0)));
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->decision(), "ALLOW");
  EXPECT_EQ(own->name(), "张伟");

  // Another community's gate is refused...
  auto other_gate = terminal->Pass(Passage("beiling-gate", Number(1)));
  ASSERT_FALSE(other_gate.ok());
  EXPECT_TRUE(absl::IsPermissionDenied(other_gate.status()))
      << other_gate.status();
  // ...and another community's resident at its own gate is a visitor: the
  // terminal learns nothing of a row outside its community.
  auto outsider = terminal->Pass(Passage("yatai-gate", Number(1)));
  ASSERT_TRUE(outsider.ok()) << outsider.status();
  EXPECT_EQ(outsider->decision(), "UNKNOWN");
  EXPECT_EQ(outsider->name(), "");
  EXPECT_EQ(outsider->resident_id(), "");
}

}  // namespace
}  // namespace outpost::server
