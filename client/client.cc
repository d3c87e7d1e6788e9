#include "client/client.h"

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "outpost/v1/auth.grpc.pb.h"
#include "outpost/v1/community.grpc.pb.h"
#include "outpost/v1/node.grpc.pb.h"
#include "server/grpc_status.h"

namespace outpost::client {

class Client::Impl {
 public:
  Impl(const Options& options, const std::string& ca_pem) : options_(options) {
    std::shared_ptr<grpc::ChannelCredentials> credentials =
        grpc::InsecureChannelCredentials();
    if (!ca_pem.empty()) {
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = ca_pem;
      credentials = grpc::SslCredentials(ssl);
    }
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    // Fail fast when the node is down rather than retrying for the deadline.
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    channel_ = grpc::CreateCustomChannel(options.address, credentials, args);
    admin_ = outpost::v1::Admin::NewStub(channel_);
    tokens_ = outpost::v1::Tokens::NewStub(channel_);
    community_ = outpost::v1::Community::NewStub(channel_);
  }

  // Runs one unary call with the deadline; maps the status and names the node
  // when it cannot be reached.
  template <typename Request, typename Response, typename Stub, typename Method>
  absl::StatusOr<Response> Call(Stub* stub, Method method,
                                const Request& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoMilliseconds(options_.timeout));
    Authorize(&context);
    Response response;
    grpc::Status status = (stub->*method)(&context, request, &response);
    if (status.ok()) return response;
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return absl::Status(
          static_cast<absl::StatusCode>(status.error_code()),
          absl::StrCat("node ", options_.address,
                       " unreachable: ", status.error_message()));
    }
    return server::FromGrpcStatus(status);
  }

  void Authorize(grpc::ClientContext* context) const {
    if (!options_.token.empty())
      context->AddMetadata("authorization", "Bearer " + options_.token);
  }

  const Options options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<outpost::v1::Tokens::Stub> tokens_;
  std::unique_ptr<outpost::v1::Admin::Stub> admin_;
  std::unique_ptr<outpost::v1::Community::Stub> community_;
};

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(
    const Options& options) {
  const size_t colon = options.address.rfind(':');
  if (colon == std::string::npos || colon == 0 ||
      colon + 1 == options.address.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--node must be HOST:PORT, not \"", options.address, "\""));
  }
  std::string ca_pem;
  if (!options.tls_ca.empty()) {
    std::ifstream in(options.tls_ca);
    std::stringstream content;
    content << in.rdbuf();
    ca_pem = content.str();
    if (!in || ca_pem.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tls_ca=", options.tls_ca, ": cannot read the file"));
    }
  }
  return std::unique_ptr<Client>(
      new Client(std::make_unique<Impl>(options, ca_pem)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

const std::string& Client::address() const { return impl_->options_.address; }

absl::StatusOr<outpost::v1::StatusResponse> Client::Status() {
  return impl_->Call<outpost::v1::StatusRequest, outpost::v1::StatusResponse>(
      impl_->admin_.get(), &outpost::v1::Admin::Stub::Status,
      outpost::v1::StatusRequest());
}

absl::StatusOr<outpost::v1::VerifyResponse> Client::Verify() {
  return impl_->Call<outpost::v1::VerifyRequest, outpost::v1::VerifyResponse>(
      impl_->admin_.get(), &outpost::v1::Admin::Stub::Verify,
      outpost::v1::VerifyRequest());
}

absl::StatusOr<outpost::v1::DigestsResponse> Client::Digests() {
  return impl_->Call<outpost::v1::DigestsRequest, outpost::v1::DigestsResponse>(
      impl_->admin_.get(), &outpost::v1::Admin::Stub::Digests,
      outpost::v1::DigestsRequest());
}

absl::StatusOr<outpost::v1::ConflictsResponse> Client::Conflicts(
    const outpost::v1::ConflictsRequest& request) {
  return impl_
      ->Call<outpost::v1::ConflictsRequest, outpost::v1::ConflictsResponse>(
          impl_->admin_.get(), &outpost::v1::Admin::Stub::Conflicts, request);
}

absl::StatusOr<outpost::v1::ImportResult> Client::ImportResidents(
    const std::string& csv, bool skip_bad,
    const std::function<void(size_t, size_t)>& progress) {
  grpc::ClientContext context;
  // Importing a whole office's registry takes a while: well beyond the
  // per-call timeout, but bounded.
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::minutes(10));
  impl_->Authorize(&context);
  outpost::v1::ImportResult result;
  auto writer = impl_->community_->ImportResidents(&context, &result);
  constexpr size_t kChunk = 1 << 20;
  // At least one chunk, so an empty file still carries the options.
  size_t sent = 0;
  do {
    outpost::v1::ImportChunk chunk;
    chunk.set_skip_bad(skip_bad);
    chunk.set_data(csv.substr(sent, kChunk));
    if (!writer->Write(chunk)) break;  // the server ended the call: see Finish
    sent = std::min(csv.size(), sent + kChunk);
    if (progress) progress(sent, csv.size());
  } while (sent < csv.size());
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) {
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      return absl::UnavailableError(
          absl::StrCat("node ", impl_->options_.address,
                       " unreachable: ", status.error_message()));
    }
    return server::FromGrpcStatus(status);
  }
  return result;
}

#define OUTPOST_COMMUNITY_CALL(Name, Request, Response)                   \
  absl::StatusOr<outpost::v1::Response> Client::Name(                     \
      const outpost::v1::Request& r) {                                    \
    return impl_->Call<outpost::v1::Request, outpost::v1::Response>(      \
        impl_->community_.get(), &outpost::v1::Community::Stub::Name, r); \
  }
OUTPOST_COMMUNITY_CALL(AddCompound, AddCompoundRequest, IdResponse)
OUTPOST_COMMUNITY_CALL(ListCompounds, ListCompoundsRequest,
                       ListCompoundsResponse)
OUTPOST_COMMUNITY_CALL(AddCheckpoint, AddCheckpointRequest, IdResponse)
OUTPOST_COMMUNITY_CALL(ListCheckpoints, ListCheckpointsRequest,
                       ListCheckpointsResponse)
OUTPOST_COMMUNITY_CALL(AddHousehold, AddHouseholdRequest, IdResponse)
OUTPOST_COMMUNITY_CALL(AddResident, AddResidentRequest, IdResponse)
OUTPOST_COMMUNITY_CALL(UpdateResident, UpdateResidentRequest, Resident)
OUTPOST_COMMUNITY_CALL(GetResident, GetResidentRequest, Resident)
OUTPOST_COMMUNITY_CALL(FindResident, FindResidentRequest, ResidentsResponse)
OUTPOST_COMMUNITY_CALL(ListResidents, ListResidentsRequest, ResidentsResponse)
OUTPOST_COMMUNITY_CALL(Pass, PassRequest, PassResponse)
OUTPOST_COMMUNITY_CALL(ListAlerts, ListAlertsRequest, ListAlertsResponse)
OUTPOST_COMMUNITY_CALL(UpdateAlert, UpdateAlertRequest, Alert)
OUTPOST_COMMUNITY_CALL(HealthRecord, HealthRecordRequest, HealthRecordResponse)
OUTPOST_COMMUNITY_CALL(HealthDueList, HealthDueRequest, HealthDueResponse)
OUTPOST_COMMUNITY_CALL(AddCommunity, AddCommunityRequest, IdResponse)
OUTPOST_COMMUNITY_CALL(ListCommunities, ListCommunitiesRequest,
                       ListCommunitiesResponse)
OUTPOST_COMMUNITY_CALL(AddStaff, AddStaffRequest, IdResponse)
OUTPOST_COMMUNITY_CALL(ListStaff, ListStaffRequest, ListStaffResponse)
#undef OUTPOST_COMMUNITY_CALL

absl::StatusOr<outpost::v1::CreateTokenResponse> Client::CreateToken(
    const outpost::v1::CreateTokenRequest& r) {
  return impl_
      ->Call<outpost::v1::CreateTokenRequest, outpost::v1::CreateTokenResponse>(
          impl_->tokens_.get(), &outpost::v1::Tokens::Stub::CreateToken, r);
}
absl::StatusOr<outpost::v1::ListTokensResponse> Client::ListTokens(
    const outpost::v1::ListTokensRequest& r) {
  return impl_
      ->Call<outpost::v1::ListTokensRequest, outpost::v1::ListTokensResponse>(
          impl_->tokens_.get(), &outpost::v1::Tokens::Stub::ListTokens, r);
}
absl::StatusOr<outpost::v1::TokenInfo> Client::RevokeToken(
    const outpost::v1::RevokeTokenRequest& r) {
  return impl_->Call<outpost::v1::RevokeTokenRequest, outpost::v1::TokenInfo>(
      impl_->tokens_.get(), &outpost::v1::Tokens::Stub::RevokeToken, r);
}

}  // namespace outpost::client
