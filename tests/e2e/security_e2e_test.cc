// End-to-end security: real outpostd processes with certificates made by
// tools/pki.sh in a temp folder, real tokens.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "outpost/v1/auth.grpc.pb.h"
#include "outpost/v1/community.grpc.pb.h"
#include "server/id_card.h"
#include "tests/e2e/e2e_util.h"
#include "tests/e2e/pki_util.h"
#include "tests/sync/test_util.h"
#include "tools/testbed/fault_proxy.h"
#include "tools/testbed/node_process.h"

namespace outpost::testing {
namespace {

namespace pb = outpost::v1;
using sync::testing::TempDir;
using ::testing::HasSubstr;

// The sub-district's CA with certificates for central, yatai and heping, and
// a second CA ("other") with its own yatai certificate.
class SecurityE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = dir_.File("pki");
    other_ = dir_.File("other");
    ASSERT_TRUE(Pki(pki_, "ca"));
    ASSERT_TRUE(Pki(pki_, "node central"));
    ASSERT_TRUE(Pki(pki_, "node yatai"));
    ASSERT_TRUE(Pki(other_, "ca"));
    ASSERT_TRUE(Pki(other_, "node yatai"));
  }

  std::vector<std::string> Tls(const std::string& pki, const std::string& id) {
    return TlsFlags(pki, id);
  }

  NodeSpec Central() {
    NodeSpec spec;
    spec.node_id = "central";
    spec.role = "central";
    spec.dir = dir_.path();
    spec.extra_flags = Tls(pki_, "central");
    return spec;
  }

  NodeSpec Yatai(const std::string& upstream, const std::string& pki,
                 const std::string& subdir) {
    NodeSpec spec;
    spec.node_id = "yatai";
    spec.role = "community";
    spec.dir = dir_.File(subdir);
    std::filesystem::create_directories(spec.dir);
    spec.upstream = upstream;
    spec.extra_flags = Tls(pki, "yatai");
    return spec;
  }

  TempDir dir_;
  std::string pki_;
  std::string other_;
};

TEST_F(SecurityE2E, MutualTlsSyncsAndACertificateFromAnotherCaCannot) {
  auto central = NodeProcess::Start(Central());
  ASSERT_TRUE(central.ok()) << central.status();
  EXPECT_THAT((*central)->LogTail(), HasSubstr("mTLS on"));
  auto yatai = NodeProcess::Start(Yatai((*central)->address(), pki_, "good"));
  ASSERT_TRUE(yatai.ok()) << yatai.status();
  ASSERT_TRUE(PutField(**yatai, "passages", "yatai-p1", "yatai", "checkpoint",
                       "yatai-cp1")
                  .ok());
  EXPECT_TRUE(
      WaitFor([&] { return GetRow(**central, "passages", "yatai-p1").ok(); },
              absl::Seconds(20)))
      << (*yatai)->LogTail();
  EXPECT_TRUE(
      WaitFor([&] { return VerifiedEqual(**yatai); }, absl::Seconds(20)));
  (*yatai)->Stop();

  // Same node id, certificate from another CA: no sync in either direction.
  auto impostor =
      NodeProcess::Start(Yatai((*central)->address(), other_, "impostor"));
  ASSERT_TRUE(impostor.ok()) << impostor.status();
  ASSERT_TRUE(PutField(**impostor, "passages", "yatai-forged", "yatai",
                       "checkpoint", "yatai-cp1")
                  .ok());
  absl::SleepFor(absl::Seconds(3));
  EXPECT_FALSE(GetRow(**central, "passages", "yatai-forged").ok());
  EXPECT_FALSE(GetRow(**impostor, "passages", "yatai-p1").ok());
  auto status = (*impostor)->Status();
  ASSERT_TRUE(status.ok());
  EXPECT_NE(status->upstream_state(), "connected");
  EXPECT_FALSE(status->upstream_last_error().empty());

  // Plaintext clients (no TLS) cannot reach a TLS node either.
  auto plain = pb::Admin::NewStub(grpc::CreateChannel(
      (*central)->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  pb::StatusResponse response;
  EXPECT_FALSE(
      plain->Status(WithDeadline(&context, 3), pb::StatusRequest(), &response)
          .ok());
}

// A stolen office PC: the CA revokes its certificate (tools/pki.sh revoke)
// and central, given the CA's list (--tls_crl), rereads it on change. The
// live replication stream ends at its next message, and the node cannot
// connect again; its writes since the revocation never reach central.
TEST_F(SecurityE2E, ARevokedCertificateIsCutOffWithoutARestart) {
  ASSERT_TRUE(Pki(pki_, "crl"));
  NodeSpec central_spec = Central();
  central_spec.extra_flags.push_back("--tls_crl=" + pki_ + "/crl.pem");
  auto central = NodeProcess::Start(central_spec);
  ASSERT_TRUE(central.ok()) << central.status();
  auto yatai = NodeProcess::Start(Yatai((*central)->address(), pki_, "crl"));
  ASSERT_TRUE(yatai.ok()) << yatai.status();
  ASSERT_TRUE(PutField(**yatai, "passages", "yatai-before", "yatai",
                       "checkpoint", "yatai-cp1")
                  .ok());
  ASSERT_TRUE(WaitFor(
      [&] { return GetRow(**central, "passages", "yatai-before").ok(); },
      absl::Seconds(20)))
      << (*yatai)->LogTail();

  ASSERT_TRUE(Pki(pki_, "revoke yatai"));
  absl::SleepFor(absl::Milliseconds(1100));  // central looks once a second
  ASSERT_TRUE(PutField(**yatai, "passages", "yatai-after", "yatai",
                       "checkpoint", "yatai-cp1")
                  .ok());
  absl::SleepFor(absl::Seconds(3));
  EXPECT_FALSE(GetRow(**central, "passages", "yatai-after").ok());
  EXPECT_TRUE(WaitFor(
      [&] {
        return (*central)->LogTail(50).find("is revoked (--tls_crl)") !=
               std::string::npos;
      },
      absl::Seconds(5)))
      << (*central)->LogTail(20);
  auto status = (*yatai)->Status();
  ASSERT_TRUE(status.ok());
  EXPECT_NE(status->upstream_state(), "connected");
  EXPECT_THAT(status->upstream_last_error(), HasSubstr("revoked"))
      << (*yatai)->LogTail(20);

  // A list that is not the CA's is refused at start, naming the flag.
  NodeSpec forged = Central();
  forged.dir = dir_.File("forged");
  std::filesystem::create_directories(forged.dir);
  ASSERT_TRUE(Pki(other_, "crl"));
  forged.extra_flags.push_back("--tls_crl=" + other_ + "/crl.pem");
  auto refused = NodeProcess::Start(forged);
  EXPECT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("--tls_crl"));
}

TEST_F(SecurityE2E, APeerClaimingAnotherNodesIdIsRefused) {
  auto central = NodeProcess::Start(Central());
  ASSERT_TRUE(central.ok()) << central.status();
  auto status = (*central)->Status();
  ASSERT_TRUE(status.ok());
  // yatai's real certificate, but a Hello claiming to be heping.
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadAll(pki_ + "/ca.pem");
  ssl.pem_cert_chain = ReadAll(pki_ + "/yatai.pem");
  ssl.pem_private_key = ReadAll(pki_ + "/yatai.key");
  auto stub = pb::Replication::NewStub(
      grpc::CreateChannel((*central)->address(), grpc::SslCredentials(ssl)));
  grpc::ClientContext context;
  WithDeadline(&context);
  auto stream = stub->Sync(&context);
  pb::SyncMessage hello;
  hello.mutable_hello()->set_node_id("heping");
  hello.mutable_hello()->set_role("community");
  hello.mutable_hello()->set_protocol_version(1);
  hello.mutable_hello()->set_schema_version(status->schema_version());
  hello.mutable_hello()->add_scopes("heping");
  ASSERT_TRUE(stream->Write(hello));
  stream->WritesDone();
  pb::SyncMessage in;
  std::string error;
  while (stream->Read(&in)) {
    if (in.has_error()) error = in.error().message();
  }
  grpc::Status finish = stream->Finish();
  const std::string message = error + finish.error_message();
  EXPECT_THAT(message, HasSubstr("certificate names node \"yatai\""));
  EXPECT_THAT(message, HasSubstr("claims node \"heping\""));
  EXPECT_THAT((*central)->LogTail(), HasSubstr("refused peer"));
  // And a node refuses to start with a certificate naming another node.
  auto [code, err] = RunOutpostd(
      {"--node_id=heping", "--role=central", "--db=" + dir_.File("h.db"),
       "--tls_cert=" + pki_ + "/yatai.pem", "--tls_key=" + pki_ + "/yatai.key",
       "--tls_ca=" + pki_ + "/ca.pem"},
      dir_.path());
  EXPECT_NE(code, 0);
  EXPECT_THAT(err, HasSubstr("--tls_cert names node \"yatai\""));
  // Plaintext is for loopback only.
  std::tie(code, err) =
      RunOutpostd({"--node_id=c2", "--role=central",
                   "--db=" + dir_.File("c2.db"), "--listen=0.0.0.0:0"},
                  dir_.path());
  EXPECT_NE(code, 0);
  EXPECT_THAT(err, HasSubstr("plaintext is allowed only on loopback"));
}

TEST_F(SecurityE2E, ACommunityCannotPushAResidentOfAnotherCommunity) {
  auto central = NodeProcess::Start(Central());
  ASSERT_TRUE(central.ok()) << central.status();
  // yatai's office also holds heping's scope locally (misconfigured or
  // malicious); its certificate only entitles it to yatai.
  NodeSpec spec = Yatai((*central)->address(), pki_, "yatai");
  spec.extra_flags.push_back("--scopes=yatai,heping");
  auto yatai = NodeProcess::Start(spec);
  ASSERT_TRUE(yatai.ok()) << yatai.status();
  ASSERT_TRUE(
      PutField(**yatai, "residents", "r-heping", "heping", "name", "和平居民")
          .ok());
  ASSERT_TRUE(
      PutField(**yatai, "residents", "r-yatai", "yatai", "name", "亚太居民")
          .ok());
  ASSERT_TRUE(
      WaitFor([&] { return GetRow(**central, "residents", "r-yatai").ok(); },
              absl::Seconds(20)))
      << (*central)->LogTail();
  EXPECT_TRUE(WaitFor(
      [&] {
        auto s = (*central)->Status();
        return s.ok() && s->quarantined() >= 1;
      },
      absl::Seconds(10)));
  EXPECT_FALSE(GetRow(**central, "residents", "r-heping").ok());
  EXPECT_THAT((*central)->LogTail(100), HasSubstr("peer yatai (certificate)"));
}

// Central's configuration may give a peer more scopes than its node id.
TEST_F(SecurityE2E, CentralsPeerScopesWidenWhatAPeerMayWrite) {
  NodeSpec central_spec = Central();
  central_spec.extra_flags.push_back("--peer_scopes=yatai=yatai+heping");
  auto central = NodeProcess::Start(central_spec);
  ASSERT_TRUE(central.ok()) << central.status();
  NodeSpec spec = Yatai((*central)->address(), pki_, "yatai");
  spec.extra_flags.push_back("--scopes=yatai,heping");
  auto yatai = NodeProcess::Start(spec);
  ASSERT_TRUE(yatai.ok()) << yatai.status();
  ASSERT_TRUE(
      PutField(**yatai, "residents", "r-heping", "heping", "name", "和平居民")
          .ok());
  EXPECT_TRUE(
      WaitFor([&] { return GetRow(**central, "residents", "r-heping").ok(); },
              absl::Seconds(20)))
      << (*central)->LogTail();
  auto status = (*central)->Status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->quarantined(), 0);
}

TEST_F(SecurityE2E, TokensRolesAndScopes) {
  NodeSpec spec;
  spec.node_id = "yatai";
  spec.role = "community";
  spec.dir = dir_.path();
  spec.upstream = "127.0.0.1:1";  // offline is fine
  auto node = NodeProcess::Start(spec);
  ASSERT_TRUE(node.ok()) << node.status();
  // The first admin token: a 0600 file next to the database, logged.
  const std::string token_file = dir_.File("yatai.db.admin.token");
  struct stat st;
  ASSERT_EQ(stat(token_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_THAT((*node)->LogTail(50), HasSubstr(token_file));
  EXPECT_FALSE((*node)->admin_token().empty());
  // Only its hash is stored.
  EXPECT_EQ(ReadAll(dir_.File("yatai.db")).find((*node)->admin_token()),
            std::string::npos);

  auto tokens = pb::Tokens::NewStub((*node)->channel());
  auto create = [&](const std::string& role, const std::string& scope) {
    pb::CreateTokenRequest request;
    request.set_role(role);
    request.set_scope(scope);
    request.set_name(role + " test");
    pb::CreateTokenResponse response;
    grpc::ClientContext context;
    grpc::Status s =
        tokens->CreateToken(WithDeadline(&context), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  };
  const pb::CreateTokenResponse checkpoint = create("checkpoint", "yatai");
  const pb::CreateTokenResponse registrar = create("registrar", "yatai");
  const pb::CreateTokenResponse heping_operator = create("operator", "heping");

  auto admin_as = [&](const std::string& token) {
    return pb::Admin::NewStub((*node)->ChannelWithToken(token));
  };
  auto community_as = [&](const std::string& token) {
    return pb::Community::NewStub((*node)->ChannelWithToken(token));
  };
  {  // No token.
    grpc::ClientContext context;
    pb::ConflictsResponse response;
    grpc::Status s = admin_as("")->Conflicts(WithDeadline(&context),
                                             pb::ConflictsRequest(), &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_THAT(s.error_message(), HasSubstr("needs a token"));
  }
  {  // A wrong token.
    grpc::ClientContext context;
    pb::ConflictsResponse response;
    grpc::Status s = admin_as("opt_forged")
                         ->Conflicts(WithDeadline(&context),
                                     pb::ConflictsRequest(), &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {  // A checkpoint cannot look at (or resolve) conflicts.
    grpc::ClientContext context;
    pb::ConflictsResponse response;
    grpc::Status s = admin_as(checkpoint.token())
                         ->Conflicts(WithDeadline(&context),
                                     pb::ConflictsRequest(), &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(s.error_message(), HasSubstr("role checkpoint may not call"));
  }
  {  // Nor read registry details (full ID-card numbers).
    grpc::ClientContext context;
    pb::Resident response;
    pb::GetResidentRequest request;
    request.set_id("anyone");
    grpc::Status s =
        community_as(checkpoint.token())
            ->GetResident(WithDeadline(&context), request, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  {  // But it records passages (the checkpoint does not exist: NOT a denial).
    grpc::ClientContext context;
    pb::PassResponse response;
    pb::PassRequest request;
    request.set_checkpoint("no-such-checkpoint");
    grpc::Status s = community_as(checkpoint.token())
                         ->Pass(WithDeadline(&context), request, &response);
    EXPECT_NE(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_NE(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {  // The registrar reads its community's registry.
    grpc::ClientContext context;
    pb::ResidentsResponse response;
    pb::ListResidentsRequest request;
    request.set_community("yatai");
    grpc::Status s =
        community_as(registrar.token())
            ->ListResidents(WithDeadline(&context), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  {  // An operator of heping may not touch yatai's registry.
    grpc::ClientContext context;
    pb::ResidentsResponse response;
    pb::ListResidentsRequest request;
    request.set_community("yatai");
    grpc::Status s =
        community_as(heping_operator.token())
            ->ListResidents(WithDeadline(&context), request, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(s.error_message(),
                HasSubstr("token scope is community heping"));
  }
  {  // Tokens are admin business; raw rows too.
    grpc::ClientContext context;
    pb::ListTokensResponse response;
    grpc::Status s =
        pb::Tokens::NewStub((*node)->ChannelWithToken(registrar.token()))
            ->ListTokens(WithDeadline(&context), pb::ListTokensRequest(),
                         &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  {  // Revoked: refused from then on.
    pb::RevokeTokenRequest request;
    request.set_id(registrar.info().id());
    pb::TokenInfo response;
    grpc::ClientContext context;
    ASSERT_TRUE(
        tokens->RevokeToken(WithDeadline(&context), request, &response).ok());
    EXPECT_NE(response.revoked_ms(), 0);
    grpc::ClientContext context2;
    pb::ResidentsResponse residents;
    grpc::Status s =
        community_as(registrar.token())
            ->ListResidents(WithDeadline(&context2), pb::ListResidentsRequest(),
                            &residents);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  // Tokens survive a restart (hashed in the node's database).
  ASSERT_EQ((*node)->Stop(), 0);
  node = NodeProcess::Start(spec);
  ASSERT_TRUE(node.ok()) << node.status();
  {  // One log holds both runs: one first admin token only.
    const std::string log = (*node)->LogTail(200);
    const size_t first = log.find("first admin token written");
    ASSERT_NE(first, std::string::npos);
    EXPECT_EQ(log.find("first admin token written", first + 1),
              std::string::npos);
  }
  grpc::ClientContext context;
  pb::ConflictsResponse response;
  grpc::Status s =
      pb::Admin::NewStub((*node)->ChannelWithToken(heping_operator.token()))
          ->Conflicts(WithDeadline(&context), pb::ConflictsRequest(),
                      &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(SecurityE2E, OneClientCannotHoldMoreCallsThanItsLimit) {
  NodeSpec spec;
  spec.node_id = "yatai";
  spec.role = "community";
  spec.dir = dir_.path();
  spec.upstream = "127.0.0.1:1";
  spec.extra_flags = {"--max_calls_per_client=2"};
  auto node = NodeProcess::Start(spec);
  ASSERT_TRUE(node.ok()) << node.status();
  auto api = pb::Community::NewStub((*node)->channel());
  pb::CreateTokenResponse checkpoint;
  {
    pb::CreateTokenRequest request;
    request.set_role("checkpoint");
    request.set_scope("yatai");
    grpc::ClientContext context;
    ASSERT_TRUE(pb::Tokens::NewStub((*node)->channel())
                    ->CreateToken(WithDeadline(&context), request, &checkpoint)
                    .ok());
  }
  // Three imports held open at once by one client (a slow or stuck one):
  // whichever reaches the node third is refused, the other two hold its two
  // slots until they finish.
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<pb::ImportResult> results(3);
  std::vector<std::unique_ptr<grpc::ClientWriter<pb::ImportChunk>>> writers;
  for (int i = 0; i < 3; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    WithDeadline(contexts.back().get());
    writers.push_back(api->ImportResidents(contexts.back().get(), &results[i]));
    pb::ImportChunk chunk;
    chunk.set_data("community,compound,building,room,name,id_number\n");
    writers.back()->Write(chunk);  // the refused one may already be closed
  }
  {  // ...while another client (a checkpoint terminal) is served.
    grpc::ClientContext context;
    pb::ListCheckpointsResponse response;
    grpc::Status s =
        pb::Community::NewStub((*node)->ChannelWithToken(checkpoint.token()))
            ->ListCheckpoints(WithDeadline(&context),
                              pb::ListCheckpointsRequest(), &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  int ok = 0, refused = 0;
  for (auto& w : writers) {
    w->WritesDone();
    const grpc::Status finished = w->Finish();
    if (finished.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(finished.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
      EXPECT_THAT(finished.error_message(),
                  HasSubstr("too many calls at once"));
      ++refused;
    }
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(refused, 1);
  // Its slots are free again.
  grpc::ClientContext context;
  pb::ListCheckpointsResponse response;
  EXPECT_TRUE(api->ListCheckpoints(WithDeadline(&context),
                                   pb::ListCheckpointsRequest(), &response)
                  .ok());
}

// A terminal whose line dies without a word (no FIN, no RST) leaves its open
// PassStreams behind. The node pings idle connections (--keepalive_s) and
// closes those that do not answer, so the token's call slots come back and
// the terminal, reconnecting on a new line, is served again.
TEST_F(SecurityE2E, ATerminalGoneOnADeadLineGetsItsCallSlotsBack) {
  NodeSpec spec;
  spec.node_id = "yatai";
  spec.role = "community";
  spec.dir = dir_.path();
  spec.upstream = "127.0.0.1:1";
  spec.extra_flags = {"--max_calls_per_client=2", "--keepalive_s=2"};
  auto node = NodeProcess::Start(spec);
  ASSERT_TRUE(node.ok()) << node.status();
  pb::CreateTokenResponse terminal;
  {
    pb::CreateTokenRequest request;
    request.set_role("checkpoint");
    request.set_scope("yatai");
    grpc::ClientContext context;
    ASSERT_TRUE(pb::Tokens::NewStub((*node)->channel())
                    ->CreateToken(WithDeadline(&context), request, &terminal)
                    .ok());
  }
  auto proxy = FaultProxy::Start("127.0.0.1", (*node)->port());
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto line = pb::Community::NewStub(
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", (*proxy)->port()),
                                grpc::InsecureChannelCredentials(), args));
  // Two open streams through the line: the token's two slots.
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<
      grpc::ClientReaderWriter<pb::PassRequest, pb::PassResponse>>>
      streams;
  for (int i = 0; i < 2; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    contexts.back()->AddMetadata("authorization", "Bearer " + terminal.token());
    streams.push_back(line->PassStream(contexts.back().get()));
  }
  auto direct =
      pb::Community::NewStub((*node)->ChannelWithToken(terminal.token()));
  auto third_call = [&]() {
    grpc::ClientContext context;
    pb::ListCheckpointsResponse response;
    return direct->ListCheckpoints(WithDeadline(&context, 5),
                                   pb::ListCheckpointsRequest(), &response);
  };
  // Both streams hold their slot (once the node has seen them).
  grpc::Status refused;
  for (int i = 0; i < 250; ++i) {
    refused = third_call();
    if (!refused.ok()) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << refused.error_message();

  // The line goes dead. Within keepalive and its timeout (2 s + 2 s), the
  // node gives up on the connection and its streams.
  (*proxy)->SetMode(FaultProxy::Mode::kBlackhole);
  const absl::Time start = absl::Now();
  grpc::Status served = third_call();
  while (!served.ok() && absl::Now() - start < absl::Seconds(30)) {
    absl::SleepFor(absl::Milliseconds(100));
    served = third_call();
  }
  EXPECT_TRUE(served.ok()) << served.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(25));
  for (auto& context : contexts) context->TryCancel();
  for (auto& stream : streams) stream->Finish().IgnoreError();
}

// At central (all communities), a yatai operator's token reaches yatai only:
// named in the request or derived from a row.
TEST_F(SecurityE2E, AScopedTokenStaysInItsCommunityAtCentral) {
  NodeSpec spec;
  spec.node_id = "central";
  spec.role = "central";
  spec.dir = dir_.path();
  auto central = NodeProcess::Start(spec);
  ASSERT_TRUE(central.ok()) << central.status();
  auto admin = pb::Community::NewStub((*central)->channel());
  for (const auto& [id, community] :
       {std::pair{"yt-01", "yatai"}, {"hp-01", "heping"}}) {
    pb::AddCompoundRequest compound;
    compound.mutable_compound()->set_id(id);
    compound.mutable_compound()->set_community(community);
    compound.mutable_compound()->set_name(id);
    pb::IdResponse response;
    grpc::ClientContext context;
    grpc::Status s =
        admin->AddCompound(WithDeadline(&context), compound, &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  pb::CreateTokenRequest request;
  request.set_role("operator");
  request.set_scope("yatai");
  pb::CreateTokenResponse op;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(pb::Tokens::NewStub((*central)->channel())
                    ->CreateToken(WithDeadline(&context), request, &op)
                    .ok());
  }
  auto yatai_op =
      pb::Community::NewStub((*central)->ChannelWithToken(op.token()));
  auto add_checkpoint = [&](const std::string& id,
                            const std::string& compound) {
    pb::AddCheckpointRequest cp;
    cp.mutable_checkpoint()->set_id(id);
    cp.mutable_checkpoint()->set_compound(compound);
    cp.mutable_checkpoint()->set_name(id);
    pb::IdResponse response;
    grpc::ClientContext context;
    return yatai_op->AddCheckpoint(WithDeadline(&context), cp, &response);
  };
  EXPECT_TRUE(add_checkpoint("yt-cp1", "yt-01").ok());
  grpc::Status s = add_checkpoint("hp-cp1", "hp-01");  // derived: heping
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("token scope is community yatai"));
  {  // Named in a sub-message.
    pb::AddCompoundRequest compound;
    compound.mutable_compound()->set_id("hp-02");
    compound.mutable_compound()->set_community("heping");
    compound.mutable_compound()->set_name("x");
    pb::IdResponse response;
    grpc::ClientContext context;
    s = yatai_op->AddCompound(WithDeadline(&context), compound, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
}

// A valid ID-card number (GB 11643) for Beijing Dongcheng, sequence n.
std::string IdNumber(int n) {
  const std::string first17 = absl::StrFormat("11010119800101%03d", n);
  return first17 + server::IdCheckCharacter(first17);
}

TEST_F(SecurityE2E, TheDatabaseFileAloneRevealsNoIdCardNumber) {
  const std::string key_file = dir_.File("data.key");
  {
    std::ofstream key(key_file);
    key << std::string(64, 'a') << "\n";
  }
  NodeSpec spec;
  spec.node_id = "yatai";
  spec.role = "community";
  spec.dir = dir_.path();
  spec.upstream = "127.0.0.1:1";
  spec.extra_flags = {"--data_key_file=" + key_file};
  auto node = NodeProcess::Start(spec);
  ASSERT_TRUE(node.ok()) << node.status();
  auto api = pb::Community::NewStub((*node)->channel());
  auto call = [](auto method, const auto& request, auto* response) {
    grpc::ClientContext context;
    grpc::Status s = method(WithDeadline(&context), request, response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return s.ok();
  };
  pb::AddCompoundRequest compound;
  compound.mutable_compound()->set_id("yt-01");
  compound.mutable_compound()->set_community("yatai");
  compound.mutable_compound()->set_name("亚泰小区");
  pb::IdResponse id;
  ASSERT_TRUE(
      call([&](auto* c, auto& r, auto* o) { return api->AddCompound(c, r, o); },
           compound, &id));
  pb::AddHouseholdRequest household;
  household.mutable_household()->set_community("yatai");
  household.mutable_household()->set_compound("yt-01");
  household.mutable_household()->set_building("3");
  household.mutable_household()->set_room("501");
  pb::IdResponse hh;
  ASSERT_TRUE(call(
      [&](auto* c, auto& r, auto* o) { return api->AddHousehold(c, r, o); },
      household, &hh));
  std::vector<std::string> ids;
  for (int i = 1; i <= 3; ++i) {
    pb::AddResidentRequest resident;
    resident.mutable_resident()->set_name(absl::StrCat("居民", i));
    resident.mutable_resident()->set_id_number(IdNumber(i));
    resident.mutable_resident()->set_household_id(hh.id());
    pb::IdResponse rid;
    ASSERT_TRUE(call(
        [&](auto* c, auto& r, auto* o) { return api->AddResident(c, r, o); },
        resident, &rid));
    ids.push_back(rid.id());
  }
  // Lookups by number still work (keyed hash), answers are masked.
  pb::FindResidentRequest find;
  find.set_id_number(IdNumber(2));
  pb::ResidentsResponse found;
  ASSERT_TRUE(call(
      [&](auto* c, auto& r, auto* o) { return api->FindResident(c, r, o); },
      find, &found));
  ASSERT_EQ(found.residents_size(), 1);
  EXPECT_EQ(found.residents(0).id_number(),
            IdNumber(2).substr(0, 6) + "********" + IdNumber(2).substr(14));
  // The full number for a role that needs it, audited.
  pb::GetResidentRequest get;
  get.set_id(ids[0]);
  get.set_unmasked(true);
  pb::Resident full;
  ASSERT_TRUE(
      call([&](auto* c, auto& r, auto* o) { return api->GetResident(c, r, o); },
           get, &full));
  EXPECT_EQ(full.id_number(), IdNumber(1));
  EXPECT_THAT((*node)->LogTail(20), HasSubstr("audit: admin"));

  // The raw bytes of the database and its WAL, while running and after.
  auto reveals = [&] {
    std::string bytes = ReadAll(dir_.File("yatai.db")) +
                        ReadAll(dir_.File("yatai.db-wal")) +
                        ReadAll(dir_.File("yatai.db-shm"));
    for (int i = 1; i <= 3; ++i) {
      if (bytes.find(IdNumber(i)) != std::string::npos) return true;
    }
    return bytes.empty();
  };
  EXPECT_FALSE(reveals());
  ASSERT_EQ((*node)->Stop(), 0);
  EXPECT_FALSE(reveals());
  // The audit row is in the file (node-local table).
  EXPECT_NE(ReadAll(dir_.File("yatai.db")).find("_audit_id_reads"),
            std::string::npos);
  // A node with another data key cannot read the numbers.
  {
    std::ofstream key(key_file);
    key << std::string(64, 'b') << "\n";
  }
  node = NodeProcess::Start(spec);
  ASSERT_TRUE(node.ok()) << node.status();
  api = pb::Community::NewStub((*node)->channel());
  grpc::ClientContext context;
  grpc::Status s = api->GetResident(WithDeadline(&context), get, &full);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DATA_LOSS);
}

}  // namespace
}  // namespace outpost::testing
