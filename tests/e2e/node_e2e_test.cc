// End-to-end: real outpostd processes on 127.0.0.1, port 0, temp folders.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "tests/e2e/e2e_util.h"
#include "tests/sync/test_util.h"
#include "tools/testbed/fault_proxy.h"
#include "tools/testbed/node_process.h"

namespace outpost::testing {
namespace {

using sync::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

NodeSpec Central(const TempDir& dir,
                 const std::string& listen = "127.0.0.1:0") {
  NodeSpec spec;
  spec.node_id = "central";
  spec.role = "central";
  spec.dir = dir.path();
  spec.listen = listen;
  return spec;
}

NodeSpec Community(const TempDir& dir, const std::string& id,
                   const std::string& upstream) {
  NodeSpec spec;
  spec.node_id = id;
  spec.role = "community";
  spec.dir = dir.path();
  spec.upstream = upstream;
  return spec;
}

TEST(NodeE2E, RefusesToStartWithOneClearLine) {
  TempDir dir;
  auto run = [&](std::vector<std::string> flags) {
    return RunOutpostd(flags, dir.path());
  };
  auto [code, err] = run({"--role=central", "--db=" + dir.File("a.db")});
  EXPECT_NE(code, 0);
  EXPECT_THAT(err, HasSubstr("--node_id is required"));
  std::tie(code, err) =
      run({"--node_id=a", "--role=boss", "--db=" + dir.File("a.db")});
  EXPECT_NE(code, 0);
  EXPECT_THAT(err, HasSubstr("--role must be central or community"));
  std::tie(code, err) =
      run({"--node_id=a", "--role=central", "--db=/nonexistent/dir/a.db"});
  EXPECT_NE(code, 0);
  EXPECT_THAT(err, HasSubstr("not writable"));
  std::tie(code, err) =
      run({"--node_id=y", "--role=community", "--db=" + dir.File("y.db")});
  EXPECT_NE(code, 0);
  EXPECT_THAT(err, HasSubstr("--upstream is required"));
  std::tie(code, err) = run({"--node_id=a", "--role=central",
                             "--db=" + dir.File("a.db"), "--listen=nonsense"});
  EXPECT_NE(code, 0);
  EXPECT_THAT(err, HasSubstr("--listen"));
  // A log level is one of the four README names, never silently ignored.
  std::tie(code, err) = run({"--node_id=a", "--role=central",
                             "--db=" + dir.File("a.db"), "--log_level=warn"});
  EXPECT_EQ(code, 2) << err;
  EXPECT_THAT(err, HasSubstr("--log_level"));
  EXPECT_THAT(err, HasSubstr("debug, info, warning or error"));
  EXPECT_THAT(err, HasSubstr("did you mean warning?"));
  std::tie(code, err) = run({"--node_id=a", "--role=central",
                             "--db=" + dir.File("a.db"), "--log_level=loud"});
  EXPECT_EQ(code, 2) << err;
  EXPECT_THAT(err, HasSubstr("--log_level"));

  // A database that belongs to another node, a corrupt file, a port in use.
  auto central = NodeProcess::Start(Central(dir));
  ASSERT_TRUE(central.ok()) << central.status();
  std::tie(code, err) =
      run({"--node_id=other", "--role=central",
           "--db=" + dir.File("central.db"), "--listen=127.0.0.1:0"});
  EXPECT_NE(code, 0);
  EXPECT_THAT(err, HasSubstr("belongs to node \"central\""));
  std::tie(code, err) =
      run({"--node_id=c2", "--role=central", "--db=" + dir.File("c2.db"),
           "--listen=" + (*central)->address()});
  EXPECT_NE(code, 0);
  EXPECT_THAT(err, HasSubstr("cannot listen"));
  {
    FILE* f = fopen(dir.File("junk.db").c_str(), "w");
    for (int i = 0; i < 8192; ++i) fputc(i % 251, f);
    fclose(f);
  }
  std::tie(code, err) =
      run({"--node_id=j", "--role=central", "--db=" + dir.File("junk.db")});
  EXPECT_NE(code, 0);
  EXPECT_THAT(err, HasSubstr("junk.db"));
  EXPECT_EQ((*central)->Stop(), 0);  // SIGTERM: clean exit 0
}

TEST(NodeE2E, HelpListsEveryFlagAndExitsZero) {
  TempDir dir;
  auto [code, out] = RunOutpostd({"--help"}, dir.path());
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, Not(HasSubstr("No flags matched")));
  for (const char* flag : {"node_id",
                           "role",
                           "db",
                           "listen",
                           "port_file",
                           "upstream",
                           "scopes",
                           "sync_full",
                           "id_key_file",
                           "tls_cert",
                           "tls_key",
                           "tls_ca",
                           "tls_crl",
                           "admin_token_file",
                           "peer_scopes",
                           "relays",
                           "max_clock_skew",
                           "data_key_file",
                           "max_calls_per_client",
                           "keepalive_s",
                           "log_level",
                           "report_deadline"}) {
    EXPECT_THAT(out, HasSubstr(absl::StrCat("--", flag, " ("))) << flag;
  }
  EXPECT_THAT(out, HasSubstr("--max_clock_skew (a replicated change dated"));
  EXPECT_THAT(out, HasSubstr("--upstream (HOST:PORT of the upstream node"));
  EXPECT_THAT(out, HasSubstr("server/main.cc"));
}

// Central + 3 communities: all write while central is down; central comes
// up; every community verifies equal and central holds every write.
TEST(NodeE2E, CommunitiesWriteWhileCentralDownThenConverge) {
  TempDir dir;
  auto first = NodeProcess::Start(Central(dir));
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string central_address = (*first)->address();
  ASSERT_EQ((*first)->Stop(), 0);

  std::vector<std::unique_ptr<NodeProcess>> communities;
  for (const char* id : {"yatai", "heping", "xinhua"}) {
    auto node = NodeProcess::Start(Community(dir, id, central_address));
    ASSERT_TRUE(node.ok()) << node.status();
    communities.push_back(*std::move(node));
  }
  int n = 0;
  for (auto& c : communities) {
    ASSERT_TRUE(PutPassages(*c, c->spec().node_id, 0, 3000 + 500 * n++).ok());
    ASSERT_TRUE(PutField(*c, "residents", c->spec().node_id + "-r1",
                         c->spec().node_id, "phone", "13800000000")
                    .ok());
    auto status = c->Status();
    ASSERT_TRUE(status.ok());
    EXPECT_NE(status->upstream_state(), "connected");  // central is down
  }
  auto central = NodeProcess::Start(Central(dir, central_address));
  ASSERT_TRUE(central.ok()) << central.status();
  for (auto& c : communities) {
    EXPECT_TRUE(WaitFor([&] { return VerifiedEqual(*c); }, absl::Seconds(60)))
        << c->spec().node_id << "\n"
        << c->LogTail();
  }
  auto status = (*central)->Status();
  ASSERT_TRUE(status.ok());
  n = 0;
  for (auto& c : communities) {
    // Every acknowledged write is at central: the whole sequence of each.
    EXPECT_EQ(VvGet(status->vv(), c->spec().node_id),
              static_cast<uint64_t>(3000 + 500 * n++ + 1));
    auto row = GetRow(**central, "passages", c->spec().node_id + "-10000042");
    EXPECT_TRUE(row.ok()) << row.status();
    auto cs = c->Status();
    ASSERT_TRUE(cs.ok());
    EXPECT_EQ(cs->upstream_state(), "connected");
    EXPECT_GT(cs->last_sync_ms(), 0);
  }
  // Live: a new write reaches central quickly.
  auto& yatai = *communities[0];
  ASSERT_TRUE(
      PutField(yatai, "residents", "yatai-r2", "yatai", "phone", "13800000001")
          .ok());
  EXPECT_TRUE(
      WaitFor([&] { return GetRow(**central, "residents", "yatai-r2").ok(); },
              absl::Seconds(5)));
  // Central relays nothing of other scopes to a community.
  EXPECT_FALSE(GetRow(yatai, "passages", "heping-10000001").ok());
  for (auto& c : communities) EXPECT_EQ(c->Stop(), 0);
  EXPECT_EQ((*central)->Stop(), 0);
}

// Central relays a change to every other node whose scopes contain it.
TEST(NodeE2E, CentralRelaysToEveryNodeHoldingTheScope) {
  TempDir dir;
  auto central = NodeProcess::Start(Central(dir));
  ASSERT_TRUE(central.ok()) << central.status();
  NodeSpec a = Community(dir, "yatai", (*central)->address());
  a.extra_flags = {"--scopes=yatai,shared"};
  NodeSpec b = Community(dir, "heping", (*central)->address());
  b.extra_flags = {"--scopes=heping,shared"};
  auto yatai = NodeProcess::Start(a);
  auto heping = NodeProcess::Start(b);
  ASSERT_TRUE(yatai.ok() && heping.ok());
  ASSERT_TRUE(
      PutField(**yatai, "residents", "s1", "shared", "phone", "13800000001")
          .ok());
  ASSERT_TRUE(
      PutField(**yatai, "residents", "y1", "yatai", "phone", "13800000002")
          .ok());
  EXPECT_TRUE(WaitFor([&] { return GetRow(**heping, "residents", "s1").ok(); },
                      absl::Seconds(10)));
  EXPECT_TRUE(
      WaitFor([&] { return VerifiedEqual(**heping) && VerifiedEqual(**yatai); },
              absl::Seconds(10)));
  EXPECT_FALSE(GetRow(**heping, "residents", "y1").ok());
  // Central's own row in a scope no community holds (the sub-district's).
  ASSERT_TRUE(PutField(**central, "residents", "c1", "subdistrict", "phone",
                       "13800000003")
                  .ok());
  // Central's backlog for a peer counts only what that peer may hold: heping
  // never gets yatai's y1 nor central's c1, and is not behind for them. Both
  // come to 0.
  std::string last;
  auto backlogs_zero = [&] {
    grpc::ClientContext context;
    outpost::v1::StatusResponse status;
    if (!(*central)
             ->admin()
             .Status(WithDeadline(&context), outpost::v1::StatusRequest(),
                     &status)
             .ok()) {
      return false;
    }
    last = status.DebugString();
    if (status.peers_size() != 2) return false;
    for (const auto& peer : status.peers()) {
      if (peer.backlog() != 0) return false;
    }
    return true;
  };
  EXPECT_TRUE(WaitFor(backlogs_zero, absl::Seconds(10))) << last;
}

// kill -9 of central, then of the community, in the middle of a large
// catch-up; restart on the same files; converge with nothing lost.
TEST(NodeE2E, KillNineDuringCatchUpLosesNothing) {
  TempDir dir;
  auto first = NodeProcess::Start(Central(dir));
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string central_address = (*first)->address();
  (*first)->Stop();
  auto community = NodeProcess::Start(Community(dir, "yatai", central_address));
  ASSERT_TRUE(community.ok()) << community.status();
  constexpr int kRows = 60000;
  ASSERT_TRUE(PutPassages(**community, "yatai", 0, kRows, 5000).ok());

  auto central = NodeProcess::Start(Central(dir, central_address));
  ASSERT_TRUE(central.ok()) << central.status();
  auto central_has = [&](uint64_t at_least) {
    auto s = (*central)->Status();
    return s.ok() && VvGet(s->vv(), "yatai") >= at_least;
  };
  ASSERT_TRUE(WaitFor([&] { return central_has(1); }, absl::Seconds(30)));
  (*central)->Kill();
  auto restarted = NodeProcess::Start(Central(dir, central_address));
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  central = std::move(restarted);
  ASSERT_TRUE(
      WaitFor([&] { return central_has(kRows / 4); }, absl::Seconds(60)));
  (*community)->Kill();
  // Acknowledged writes survive the community's crash too.
  auto community2 =
      NodeProcess::Start(Community(dir, "yatai", central_address));
  ASSERT_TRUE(community2.ok()) << community2.status();
  ASSERT_TRUE(PutPassages(**community2, "yatai", kRows, 10).ok());
  EXPECT_TRUE(
      WaitFor([&] { return central_has(kRows + 10); }, absl::Seconds(90)))
      << (*community2)->LogTail();
  EXPECT_TRUE(
      WaitFor([&] { return VerifiedEqual(**community2); }, absl::Seconds(30)));
  EXPECT_TRUE(GetRow(**central, "passages", "yatai-10000000").ok());
  EXPECT_TRUE(GetRow(**central, "passages",
                     absl::StrCat("yatai-", 10000000 + kRows + 9))
                  .ok());
}

// The same field edited at a community and at central while apart: the same
// conflict is listed on both nodes.
TEST(NodeE2E, ConcurrentEditIsTheSameConflictEverywhere) {
  TempDir dir;
  auto central = NodeProcess::Start(Central(dir));
  ASSERT_TRUE(central.ok()) << central.status();
  const std::string central_address = (*central)->address();
  auto community = NodeProcess::Start(Community(dir, "yatai", central_address));
  ASSERT_TRUE(community.ok()) << community.status();
  ASSERT_TRUE(
      PutField(**community, "residents", "r1", "yatai", "phone", "13800000111")
          .ok());
  ASSERT_TRUE(WaitFor([&] { return GetRow(**central, "residents", "r1").ok(); },
                      absl::Seconds(10)));
  // Apart: central down while the community edits; then the community down
  // while central edits.
  ASSERT_EQ((*central)->Stop(), 0);
  ASSERT_TRUE(
      PutField(**community, "residents", "r1", "yatai", "phone", "13800000222")
          .ok());
  ASSERT_EQ((*community)->Stop(), 0);
  auto central2 = NodeProcess::Start(Central(dir, central_address));
  ASSERT_TRUE(central2.ok()) << central2.status();
  ASSERT_TRUE(
      PutField(**central2, "residents", "r1", "yatai", "phone", "13800000333")
          .ok());
  auto community2 =
      NodeProcess::Start(Community(dir, "yatai", central_address));
  ASSERT_TRUE(community2.ok()) << community2.status();
  ASSERT_TRUE(
      WaitFor([&] { return VerifiedEqual(**community2); }, absl::Seconds(30)));
  auto at_central = ConflictIds(**central2);
  auto at_community = ConflictIds(**community2);
  ASSERT_TRUE(at_central.ok() && at_community.ok());
  ASSERT_EQ(at_central->size(), 1u);
  EXPECT_EQ(*at_central, *at_community);
  auto row_c = GetRow(**central2, "residents", "r1");
  auto row_m = GetRow(**community2, "residents", "r1");
  ASSERT_TRUE(row_c.ok() && row_m.ok());
  EXPECT_EQ(row_c->values().at("phone").text_value(),
            row_m->values().at("phone").text_value());
}

// A network cut without process death: a proxy between the community and
// central blackholes (packets vanish), then resets, then heals.
TEST(NodeE2E, NetworkCutDuringLiveSyncHealsAndConverges) {
  TempDir dir;
  auto central = NodeProcess::Start(Central(dir));
  ASSERT_TRUE(central.ok()) << central.status();
  auto proxy = FaultProxy::Start("127.0.0.1", (*central)->port());
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  auto community = NodeProcess::Start(
      Community(dir, "yatai", absl::StrCat("127.0.0.1:", (*proxy)->port())));
  ASSERT_TRUE(community.ok()) << community.status();
  auto central_has = [&](uint64_t n) {
    auto s = (*central)->Status();
    return s.ok() && VvGet(s->vv(), "yatai") >= n;
  };
  ASSERT_TRUE(PutPassages(**community, "yatai", 0, 500).ok());
  ASSERT_TRUE(WaitFor([&] { return central_has(500); }, absl::Seconds(20)));

  // Cut while live: writes keep being acknowledged locally.
  (*proxy)->SetMode(FaultProxy::Mode::kBlackhole);
  ASSERT_TRUE(PutPassages(**community, "yatai", 500, 2000).ok());
  absl::SleepFor(absl::Seconds(1));
  EXPECT_FALSE(central_has(2500));
  (*proxy)->SetMode(FaultProxy::Mode::kReset);
  ASSERT_TRUE(PutPassages(**community, "yatai", 2500, 500).ok());
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_FALSE(central_has(3000));
  auto cut = (*community)->Status();
  ASSERT_TRUE(cut.ok());
  EXPECT_NE(cut->upstream_state(), "connected") << cut->DebugString();

  // Heal: the upstream loop reconnects and resumes.
  (*proxy)->SetMode(FaultProxy::Mode::kPass);
  EXPECT_TRUE(WaitFor([&] { return central_has(3000); }, absl::Seconds(45)))
      << (*community)->LogTail();
  EXPECT_TRUE(
      WaitFor([&] { return VerifiedEqual(**community); }, absl::Seconds(10)));
  EXPECT_GT((*proxy)->bytes_forwarded(), 0);
  EXPECT_GE((*proxy)->connections_accepted(), 2);
}

// Bad input on the wire: the call fails with a clear status, nothing is
// applied, and the node keeps serving.
TEST(NodeE2E, BadWireInputIsRefusedAndTheNodeKeepsServing) {
  TempDir dir;
  auto central = NodeProcess::Start(Central(dir));
  ASSERT_TRUE(central.ok()) << central.status();
  auto status = (*central)->Status();
  ASSERT_TRUE(status.ok());
  auto channel = grpc::CreateChannel((*central)->address(),
                                     grpc::InsecureChannelCredentials());
  auto stub = outpost::v1::Replication::NewStub(channel);
  auto hello = [&](const std::string& schema) {
    outpost::v1::SyncMessage m;
    m.mutable_hello()->set_node_id("yatai");
    m.mutable_hello()->set_role("community");
    m.mutable_hello()->set_protocol_version(1);
    m.mutable_hello()->set_schema_version(schema);
    m.mutable_hello()->add_scopes("yatai");
    return m;
  };
  auto finish = [](auto& stream) {
    stream->WritesDone();
    outpost::v1::SyncMessage ignored;
    while (stream->Read(&ignored)) {
    }
    return stream->Finish();
  };
  {  // Another schema version.
    grpc::ClientContext context;
    WithDeadline(&context);
    auto stream = stub->Sync(&context);
    ASSERT_TRUE(stream->Write(hello("0123456789abcdef")));
    grpc::Status s = finish(stream);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(s.error_message(), HasSubstr("0123456789abcdef"));
    EXPECT_THAT(s.error_message(), HasSubstr(status->schema_version()));
  }
  {  // A packed batch that is not zlib data.
    grpc::ClientContext context;
    WithDeadline(&context);
    auto stream = stub->Sync(&context);
    ASSERT_TRUE(stream->Write(hello(status->schema_version())));
    outpost::v1::SyncMessage batch;
    batch.mutable_batch()->set_batch_seq(1);
    batch.mutable_batch()->set_packed("this is not zlib");
    ASSERT_TRUE(stream->Write(batch));
    grpc::Status s = finish(stream);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << s.error_message();
  }
  {  // An oversized message (over the 8 MiB limit).
    grpc::ClientContext context;
    WithDeadline(&context);
    auto stream = stub->Sync(&context);
    ASSERT_TRUE(stream->Write(hello(status->schema_version())));
    outpost::v1::SyncMessage batch;
    batch.mutable_batch()->set_batch_seq(1);
    batch.mutable_batch()->set_packed(std::string(9 << 20, 'x'));
    stream->Write(batch);
    grpc::Status s = finish(stream);
    EXPECT_FALSE(s.ok());
  }
  // Nothing was applied and the node still serves.
  auto after = (*central)->Status();
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->log_size(), 0);
  EXPECT_EQ(VvGet(after->vv(), "yatai"), 0u);
  auto community =
      NodeProcess::Start(Community(dir, "yatai", (*central)->address()));
  ASSERT_TRUE(community.ok());
  ASSERT_TRUE(PutPassages(**community, "yatai", 0, 10).ok());
  EXPECT_TRUE(
      WaitFor([&] { return VerifiedEqual(**community); }, absl::Seconds(20)));
}

}  // namespace
}  // namespace outpost::testing
