// A hostile peer: a test client holding a valid node certificate (heping's,
// from the sub-district CA) speaks the Sync and Repair protocols to central
// and tries to speak for another office, to date a change a century ahead,
// and to read and write another community through repair. Each attempt is
// refused or held, the genuine office's changes all arrive, and central's
// status shows the refusals.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "outpost/v1/node.grpc.pb.h"
#include "outpost/v1/operator.grpc.pb.h"
#include "tests/e2e/e2e_util.h"
#include "tests/e2e/pki_util.h"
#include "tests/sync/test_util.h"
#include "tools/testbed/node_process.h"

namespace outpost::testing {
namespace {

namespace pb = outpost::v1;
using sync::testing::TempDir;
using ::testing::HasSubstr;

class HostilePeerE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = dir_.File("pki");
    ASSERT_TRUE(Pki(pki_, "ca"));
    for (const char* node : {"central", "yatai", "heping"}) {
      ASSERT_TRUE(Pki(pki_, absl::StrCat("node ", node)));
    }
    NodeSpec central;
    central.node_id = "central";
    central.role = "central";
    central.dir = dir_.File("central");
    std::filesystem::create_directories(central.dir);
    central.extra_flags = TlsFlags(pki_, "central");
    auto started = NodeProcess::Start(central);
    ASSERT_TRUE(started.ok()) << started.status();
    central_ = *std::move(started);
    NodeSpec yatai;
    yatai.node_id = "yatai";
    yatai.role = "community";
    yatai.dir = dir_.File("yatai");
    std::filesystem::create_directories(yatai.dir);
    yatai.upstream = central_->address();
    yatai.extra_flags = TlsFlags(pki_, "yatai");
    started = NodeProcess::Start(yatai);
    ASSERT_TRUE(started.ok()) << started.status();
    yatai_ = *std::move(started);
  }

  // A channel to central presenting `node`'s certificate (no token).
  std::shared_ptr<grpc::Channel> As(const std::string& node) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadAll(pki_ + "/ca.pem");
    ssl.pem_private_key = ReadAll(pki_ + "/" + node + ".key");
    ssl.pem_cert_chain = ReadAll(pki_ + "/" + node + ".pem");
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(central_->address(),
                                     grpc::SslCredentials(ssl), args);
  }

  static pb::Change Household(const std::string& origin, uint64_t seq,
                              uint64_t hlc, const std::string& id,
                              const std::string& scope) {
    pb::Change c;
    c.mutable_dot()->set_origin(origin);
    c.mutable_dot()->set_seq(seq);
    c.set_hlc(hlc);
    c.set_table("households");
    c.set_row_id(id);
    c.set_scope(scope);
    auto* w = c.add_writes();
    w->set_field("room");
    w->mutable_value()->set_text_value("999");
    return c;
  }

  // yatai's daily report id, claimed in heping's own scope.
  static pb::Change SquattedReport(const std::string& community, uint64_t hlc) {
    pb::Change c;
    c.mutable_dot()->set_origin("heping/squatter");
    c.mutable_dot()->set_seq(community == "yatai" ? 1 : 2);
    c.set_hlc(hlc);
    c.set_table("daily_reports");
    c.set_row_id("rpt-yatai-2026-12-01");
    c.set_scope("heping");
    auto* w = c.add_writes();
    w->set_field("community");
    w->mutable_value()->set_text_value(community);
    w = c.add_writes();
    w->set_field("date");
    w->mutable_value()->set_text_value("2026-12-01");
    return c;
  }

  // One Sync session as heping: Hello, one batch, its Ack.
  void SendAsHeping(const std::vector<pb::Change>& changes) {
    auto stub = pb::Replication::NewStub(As("heping"));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    auto stream = stub->Sync(&context);
    pb::SyncMessage theirs;
    ASSERT_TRUE(stream->Read(&theirs)) << central_->LogTail();
    ASSERT_TRUE(theirs.has_hello());
    pb::SyncMessage hello;
    hello.mutable_hello()->set_node_id("heping");
    hello.mutable_hello()->set_role("community");
    hello.mutable_hello()->set_protocol_version(
        theirs.hello().protocol_version());
    hello.mutable_hello()->set_schema_version(theirs.hello().schema_version());
    hello.mutable_hello()->add_scopes("heping");
    ASSERT_TRUE(stream->Write(hello));
    pb::SyncMessage batch;
    batch.mutable_batch()->set_batch_seq(1);
    for (const pb::Change& c : changes)
      *batch.mutable_batch()->add_changes() = c;
    ASSERT_TRUE(stream->Write(batch));
    bool acked = false;
    pb::SyncMessage in;
    while (!acked && stream->Read(&in)) acked = in.has_ack();
    EXPECT_TRUE(acked) << central_->LogTail();
    stream->WritesDone();
    context.TryCancel();
    (void)stream->Finish();
  }

  TempDir dir_;
  std::string pki_;
  std::unique_ptr<NodeProcess> central_;
  std::unique_ptr<NodeProcess> yatai_;
};

TEST_F(HostilePeerE2E, ForgedOriginsAndFarFutureClocksAreRefusedOrHeld) {
  ASSERT_TRUE(PutField(*yatai_, "households", "y1", "yatai", "room", "1").ok());
  ASSERT_TRUE(
      WaitFor([&] { return GetRow(*central_, "households", "y1").ok(); },
              absl::Seconds(20)))
      << yatai_->LogTail();
  auto yatai_status = yatai_->Status();
  ASSERT_TRUE(yatai_status.ok());
  const std::string yatai_replica = yatai_status->replica_id();
  const uint64_t next = VvGet(yatai_status->vv(), "yatai") + 1;

  // heping labels changes with yatai's replica (the dot yatai writes next)
  // and sends one of its own dated a century ahead.
  const uint64_t now_hlc =
      static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())) << 16;
  const uint64_t century = static_cast<uint64_t>(100) * 365 * 86'400'000 << 16;
  // And it squats yatai's daily report id in its own scope, saying the
  // report is yatai's, then that it is heping's.
  SendAsHeping(
      {Household(yatai_replica, next, now_hlc, "forged", "yatai"),
       Household(yatai_replica, next + 1, now_hlc, "forged2", "heping"),
       Household("heping/evil", 1, now_hlc + century, "future", "heping"),
       SquattedReport("yatai", now_hlc), SquattedReport("heping", now_hlc)});

  // yatai's genuine change with that very dot still arrives.
  ASSERT_TRUE(PutField(*yatai_, "households", "y2", "yatai", "room", "2").ok());
  EXPECT_TRUE(
      WaitFor([&] { return GetRow(*central_, "households", "y2").ok(); },
              absl::Seconds(20)))
      << central_->LogTail();
  EXPECT_FALSE(GetRow(*central_, "households", "forged").ok());
  EXPECT_FALSE(GetRow(*central_, "households", "forged2").ok());
  EXPECT_FALSE(GetRow(*central_, "households", "future").ok());
  EXPECT_TRUE(
      WaitFor([&] { return VerifiedEqual(*yatai_); }, absl::Seconds(20)));

  auto status = central_->Status();
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(status->refused_size(), 1) << status->DebugString();
  EXPECT_EQ(status->refused(0).peer(), "heping");
  EXPECT_EQ(status->refused(0).count(), 2);
  EXPECT_THAT(status->refused(0).reason(), HasSubstr("node yatai"));
  EXPECT_EQ(status->held_for_clock(), 1);
  EXPECT_EQ(status->clock_skew_warnings(), 1);
  EXPECT_EQ(status->quarantined(), 2);  // both squatted reports
  EXPECT_FALSE(GetRow(*central_, "daily_reports", "rpt-yatai-2026-12-01").ok());
  EXPECT_THAT(central_->LogTail(200), HasSubstr("rpt-yatai-2026-12-01"));
  EXPECT_THAT(central_->LogTail(200),
              HasSubstr("refused changes from peer heping"));
  EXPECT_THAT(central_->LogTail(200), HasSubstr("clock skew"));
}

TEST_F(HostilePeerE2E, RepairRunsUnderTheCertificatesNodeAndScopesOnly) {
  ASSERT_TRUE(PutField(*yatai_, "households", "y1", "yatai", "room", "1").ok());
  ASSERT_TRUE(
      WaitFor([&] { return GetRow(*central_, "households", "y1").ok(); },
              absl::Seconds(20)));
  auto op = pb::Operator::NewStub(As("heping"));
  auto call = [](auto&& fn) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    return fn(&context);
  };
  // Reading another community's rows.
  pb::RepairPullRequest pull;
  pull.set_scope("yatai");
  pb::RepairPullResponse pulled;
  grpc::Status s = call(
      [&](grpc::ClientContext* c) { return op->RepairPull(c, pull, &pulled); });
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("may not repair scope yatai"));
  EXPECT_EQ(pulled.changes().changes_size(), 0);
  // Its own scope is fine.
  pull.set_scope("heping");
  s = call(
      [&](grpc::ClientContext* c) { return op->RepairPull(c, pull, &pulled); });
  EXPECT_TRUE(s.ok()) << s.error_message();

  // Writing as another node, or into another community.
  pb::RepairPushRequest push;
  push.set_node_id("yatai");
  push.set_scope("yatai");
  *push.mutable_changes()->add_changes() =
      Household("yatai/forged", 1, 1, "pushed", "yatai");
  pb::RepairPushResponse pushed;
  s = call(
      [&](grpc::ClientContext* c) { return op->RepairPush(c, push, &pushed); });
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << s.error_message();
  EXPECT_THAT(s.error_message(),
              HasSubstr("certificate names node \"heping\""));
  push.set_node_id("heping");
  s = call(
      [&](grpc::ClientContext* c) { return op->RepairPush(c, push, &pushed); });
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << s.error_message();
  // Into its own scope, another node's origin is still not its to send.
  push.set_scope("heping");
  *push.mutable_changes()->mutable_changes(0) =
      Household("yatai/forged", 1, 1, "pushed", "heping");
  s = call(
      [&](grpc::ClientContext* c) { return op->RepairPush(c, push, &pushed); });
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(pushed.applied(), 0);
  EXPECT_FALSE(GetRow(*central_, "households", "pushed").ok());
  auto status = central_->Status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(VvGet(status->vv(), "yatai"), 1u);  // the forged dot not counted
}

}  // namespace
}  // namespace outpost::testing
