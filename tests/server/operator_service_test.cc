// The Operator service in process: a real node (gRPC on loopback, SQLite in a
// temporary folder) and the Client. Quarantined changes are listed, shown,
// retried after a scope change, discarded with a reason; every action lands
// in the audit trail, which is append-only and replicates like any row.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "client/client.h"
#include "server/node.h"
#include "server/operator_authz.h"
#include "tests/sync/test_util.h"

namespace outpost::server {
namespace {

namespace pb = outpost::v1;
using sync::testing::TempDir;
using ::testing::HasSubstr;

std::unique_ptr<Node> StartNode(const TempDir& dir,
                                std::vector<std::string> scopes) {
  NodeOptions options;
  options.node_id = "hub";
  options.role = "central";
  options.db_path = dir.File("hub.db");
  options.scopes = std::move(scopes);
  options.synchronous_full = false;
  options.id_key = "outpost-test-id-key-0123456789";
  auto node = Node::Start(options);
  EXPECT_TRUE(node.ok()) << node.status();
  return node.ok() ? *std::move(node) : nullptr;
}

// A client with the admin token the node wrote beside its database.
std::unique_ptr<client::Client> Connect(Node& node, const TempDir& dir) {
  std::ifstream in(dir.File("hub.db.admin.token"));
  std::string token;
  std::getline(in, token);
  auto c = client::Client::Connect(
      {absl::StrCat("127.0.0.1:", node.port()), absl::Seconds(10), token, ""});
  return c.ok() ? *std::move(c) : nullptr;
}

sync::Change Household(const std::string& origin, uint64_t seq,
                       const std::string& table, const std::string& scope,
                       const std::string& room) {
  sync::Change c;
  c.mutable_dot()->set_origin(origin);
  c.mutable_dot()->set_seq(seq);
  c.set_hlc((uint64_t{1700000000000} << 16) + seq);
  c.set_table(table);
  c.set_row_id(absl::StrCat(origin, "-h", seq));
  c.set_scope(scope);
  c.set_author("op-remote");
  auto* w = c.add_writes();
  w->set_field("room");
  w->mutable_value()->set_text_value(room);
  return c;
}

pb::QuarantineActionRequest Action(int64_t id, const std::string& reason,
                                   const std::string& by) {
  pb::QuarantineActionRequest r;
  r.set_id(id);
  r.set_reason(reason);
  r.set_by(by);
  return r;
}

TEST(OperatorServiceTest, QuarantineListShowRetryDiscardAndAudit) {
  TempDir dir;
  auto node = StartNode(dir, {"yatai"});
  ASSERT_NE(node, nullptr);
  // A newer node's table, and a scope this node does not hold (yet).
  const sync::PeerInfo peer{"beiling", sync::ScopeSet::All()};
  auto applied = node->store()->ApplyBatch(
      peer,
      std::vector<sync::Change>{
          Household("beiling", 1, "vaccinations", "yatai", "1"),
          Household("beiling", 2, "households", "beiling", "301")},
      std::nullopt);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->quarantined, 2);

  auto c = Connect(*node, dir);
  ASSERT_NE(c, nullptr);
  auto list = c->QuarantineList();
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->entries_size(), 2);
  const pb::QuarantineView unknown = list->entries(0);
  const pb::QuarantineView outside = list->entries(1);
  EXPECT_EQ(unknown.table(), "vaccinations");
  EXPECT_EQ(unknown.code(), "INVALID_ARGUMENT");
  EXPECT_THAT(unknown.reason(), HasSubstr("unknown table"));
  EXPECT_EQ(outside.code(), "PERMISSION_DENIED");
  EXPECT_THAT(outside.reason(), HasSubstr("outside this node's scopes"));
  EXPECT_EQ(outside.origin(), "beiling");
  EXPECT_EQ(outside.seq(), 2u);
  EXPECT_EQ(outside.peer(), "beiling");
  EXPECT_THAT(outside.writes(), ::testing::ElementsAre("room=301"));
  auto shown = c->QuarantineShow(outside.id());
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_EQ(shown->row_id(), "beiling-h2");
  EXPECT_TRUE(absl::IsNotFound(c->QuarantineShow(999).status()));

  // Retrying what is still refused keeps it, says why, records nothing.
  absl::Status retry = c->QuarantineRetry(Action(unknown.id(), "", "op-a"));
  EXPECT_TRUE(absl::IsFailedPrecondition(retry)) << retry;
  EXPECT_THAT(retry.message(), HasSubstr("unknown table"));
  retry = c->QuarantineRetry(Action(outside.id(), "", "op-a"));
  EXPECT_TRUE(absl::IsFailedPrecondition(retry)) << retry;
  EXPECT_EQ(c->QuarantineList()->entries_size(), 2);
  // A discard needs a reason.
  EXPECT_TRUE(absl::IsInvalidArgument(
      c->QuarantineDiscard(Action(unknown.id(), "", "op-a"))));
  auto audit = c->Audit(pb::AuditRequest());
  ASSERT_TRUE(audit.ok()) << audit.status();
  EXPECT_EQ(audit->entries_size(), 0);

  ASSERT_TRUE(
      c->QuarantineDiscard(Action(unknown.id(), "旧版本节点的测试数据", "op-a"))
          .ok());
  EXPECT_TRUE(absl::IsNotFound(
      c->QuarantineDiscard(Action(unknown.id(), "again", "op-a"))));

  // After the scope change (a restart holding beiling too) the retry applies.
  c.reset();
  node.reset();
  node = StartNode(dir, {"yatai", "beiling"});
  ASSERT_NE(node, nullptr);
  c = Connect(*node, dir);
  ASSERT_TRUE(
      c->QuarantineRetry(Action(outside.id(), "接管北岭", "op-b")).ok());
  auto values = node->store()->ReadValues("households", "beiling-h2");
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_EQ(values->at("room").text_value(), "301");
  EXPECT_EQ(c->QuarantineList()->entries_size(), 0);

  audit = c->Audit(pb::AuditRequest());
  ASSERT_TRUE(audit.ok()) << audit.status();
  ASSERT_EQ(audit->entries_size(), 2);
  EXPECT_EQ(audit->entries(0).action(), "quarantine_discard");
  EXPECT_EQ(audit->entries(0).author(), "op-a (first admin)");  // --by (token)
  EXPECT_EQ(audit->entries(0).node(), "hub");
  EXPECT_EQ(audit->entries(0).reason(), "旧版本节点的测试数据");
  EXPECT_THAT(audit->entries(0).target(), HasSubstr("vaccinations"));
  EXPECT_THAT(audit->entries(0).detail(), HasSubstr("unknown table"));
  EXPECT_EQ(audit->entries(1).action(), "quarantine_retry");
  EXPECT_EQ(audit->entries(1).author(), "op-b (first admin)");
  // The retried change's audit row lives in its scope, so it replicates to
  // the nodes holding that scope.
  EXPECT_EQ(audit->entries(1).scope(), "beiling");
  pb::AuditRequest later;
  later.set_since_ms(audit->entries(1).at_ms() + 1);
  EXPECT_EQ(c->Audit(later)->entries_size(), 0);

  // The trail is append-only: an audit row cannot be rewritten.
  sync::WriteRequest tamper;
  tamper.table = "sys_audit";
  tamper.scope = "beiling";
  tamper.row_id = "hub/x";
  tamper.Set("reason", sync::TextValue("a"));
  ASSERT_TRUE(node->store()->Write(tamper).ok());
  tamper.fields.clear();
  tamper.Set("reason", sync::TextValue("b"));
  EXPECT_TRUE(absl::IsAlreadyExists(node->store()->Write(tamper).status()));
}

TEST(OperatorServiceTest, RequireOperatorRecordsTheClaimedIdentity) {
  grpc::ServerContext context;
  auto who = RequireOperator(context, "  op-li ", "yatai");
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->name, "op-li");
  EXPECT_TRUE(
      absl::IsInvalidArgument(RequireOperator(context, " ", "").status()));
}

// Only operators settle what sync surfaced, and a community operator only in
// its community: the caller's token decides (server/operator_authz.h).
TEST(OperatorServiceTest, OnlyOperatorsOfTheScopeRetryOrDiscard) {
  TempDir dir;
  auto node = StartNode(dir, {"yatai"});
  ASSERT_NE(node, nullptr);
  const sync::PeerInfo peer{"beiling", sync::ScopeSet::All()};
  ASSERT_TRUE(node->store()
                  ->ApplyBatch(peer,
                               std::vector<sync::Change>{Household(
                                   "beiling", 1, "vaccinations", "yatai", "1")},
                               std::nullopt)
                  .ok());
  auto admin = Connect(*node, dir);
  ASSERT_NE(admin, nullptr);
  auto as = [&](const std::string& role, const std::string& scope) {
    pb::CreateTokenRequest request;
    request.set_role(role);
    request.set_scope(scope);
    request.set_name(role + "@" + scope);
    auto created = admin->CreateToken(request);
    EXPECT_TRUE(created.ok()) << created.status();
    auto c = client::Client::Connect({absl::StrCat("127.0.0.1:", node->port()),
                                      absl::Seconds(10), created->token(), ""});
    return c.ok() ? *std::move(c) : nullptr;
  };
  const int64_t id = admin->QuarantineList()->entries(0).id();
  const pb::QuarantineActionRequest discard = Action(id, "旧版本", "");

  absl::Status s = as("checkpoint", "yatai")->QuarantineDiscard(discard);
  EXPECT_TRUE(absl::IsPermissionDenied(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("checkpoint"));
  s = as("registrar", "yatai")->QuarantineDiscard(discard);
  EXPECT_TRUE(absl::IsPermissionDenied(s)) << s;
  s = as("operator", "heping")->QuarantineDiscard(discard);
  EXPECT_TRUE(absl::IsPermissionDenied(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("yatai"));
  EXPECT_EQ(admin->QuarantineList()->entries_size(), 1);  // nothing happened

  ASSERT_TRUE(as("operator", "yatai")->QuarantineDiscard(discard).ok());
  EXPECT_EQ(admin->QuarantineList()->entries_size(), 0);
  auto audit = admin->Audit(pb::AuditRequest());
  ASSERT_TRUE(audit.ok()) << audit.status();
  ASSERT_EQ(audit->entries_size(), 1);
  EXPECT_EQ(audit->entries(0).author(), "operator@yatai");  // the token's name
}

TEST(OperatorServiceTest, ShowAndResolveRefuseBadInput) {
  TempDir dir;
  auto node = StartNode(dir, {});
  ASSERT_NE(node, nullptr);
  auto c = Connect(*node, dir);
  pb::ConflictShowRequest show;
  EXPECT_TRUE(absl::IsInvalidArgument(c->ConflictShow(show).status()));
  show.set_id("nope");
  EXPECT_TRUE(absl::IsNotFound(c->ConflictShow(show).status()));
  pb::ConflictResolveRequest resolve;
  resolve.set_id("nope");
  resolve.set_pick(1);
  resolve.set_by("op");
  EXPECT_THAT(c->ConflictResolve(resolve).status().message(),
              HasSubstr("reason"));
  resolve.set_reason("r");
  resolve.set_value("x");
  EXPECT_THAT(c->ConflictResolve(resolve).status().message(),
              HasSubstr("exactly one"));
  pb::RepairRequest repair;
  repair.set_scope("yatai");
  repair.set_by("op");
  EXPECT_TRUE(absl::IsFailedPrecondition(c->Repair(repair).status()));
}

}  // namespace
}  // namespace outpost::server
