#include "client/client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "outpost/v1/auth.grpc.pb.h"
#include "outpost/v1/community.grpc.pb.h"
#include "outpost/v1/consolidation.grpc.pb.h"
#include "outpost/v1/node.grpc.pb.h"
#include "outpost/v1/operator.grpc.pb.h"
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
    operator_ = outpost::v1::Operator::NewStub(channel_);
    consolidation_ = outpost::v1::Consolidation::NewStub(channel_);
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
    return ToStatus(status);
  }

  // The node's answer as an absl::Status; names the node when unreachable.
  absl::Status ToStatus(const grpc::Status& status) const {
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
  std::unique_ptr<outpost::v1::Operator::Stub> operator_;
  std::unique_ptr<outpost::v1::Consolidation::Stub> consolidation_;
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
  if (!status.ok()) return impl_->ToStatus(status);
  return result;
}

absl::StatusOr<std::vector<outpost::v1::PassResponse>> Client::PassMany(
    const std::vector<outpost::v1::PassRequest>& requests, int window) {
  grpc::ClientContext context;
  impl_->Authorize(&context);
  // Each passage gets the per-call timeout; the stream as a whole more.
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(impl_->options_.timeout) +
                       std::chrono::milliseconds(requests.size()));
  auto stream = impl_->community_->PassStream(&context);
  std::vector<outpost::v1::PassResponse> responses;
  responses.reserve(requests.size());
  absl::Mutex mu;
  size_t answered = 0;
  bool ended = false;  // the node ended the call (see Finish)
  std::thread reader([&] {
    outpost::v1::PassResponse response;
    while (stream->Read(&response)) {
      absl::MutexLock lock(&mu);
      responses.push_back(std::move(response));
      ++answered;
    }
    absl::MutexLock lock(&mu);
    ended = true;
  });
  for (size_t i = 0; i < requests.size(); ++i) {
    {
      absl::MutexLock lock(&mu);
      const size_t limit = std::max(1, window);
      auto room = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu) {
        return ended || i - answered < limit;
      };
      mu.Await(absl::Condition(&room));
      if (ended) break;
    }
    outpost::v1::PassRequest request = requests[i];
    request.set_ref(i);
    if (!stream->Write(request)) break;  // the call ended: see Finish
  }
  stream->WritesDone();
  reader.join();
  grpc::Status status = stream->Finish();
  if (!status.ok()) return impl_->ToStatus(status);
  if (responses.size() != requests.size()) {
    return absl::InternalError(absl::StrCat("PassStream answered ",
                                            responses.size(), " of ",
                                            requests.size(), " passages"));
  }
  return responses;
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
OUTPOST_COMMUNITY_CALL(SetCheckpointActive, SetCheckpointActiveRequest,
                       Checkpoint)
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
OUTPOST_COMMUNITY_CALL(SetCommunityActive, SetCommunityActiveRequest,
                       CommunityInfo)
OUTPOST_COMMUNITY_CALL(ListCommunities, ListCommunitiesRequest,
                       ListCommunitiesResponse)
OUTPOST_COMMUNITY_CALL(AddStaff, AddStaffRequest, IdResponse)
OUTPOST_COMMUNITY_CALL(ListStaff, ListStaffRequest, ListStaffResponse)
OUTPOST_COMMUNITY_CALL(AddPartyBranch, AddPartyBranchRequest, IdResponse)
OUTPOST_COMMUNITY_CALL(ListPartyBranches, ListPartyBranchesRequest,
                       ListPartyBranchesResponse)
#undef OUTPOST_COMMUNITY_CALL

// ---- Operator ----

absl::StatusOr<outpost::v1::ConflictShowResponse> Client::ConflictShow(
    const outpost::v1::ConflictShowRequest& r) {
  return impl_->Call<outpost::v1::ConflictShowRequest,
                     outpost::v1::ConflictShowResponse>(
      impl_->operator_.get(), &outpost::v1::Operator::Stub::ConflictShow, r);
}

absl::StatusOr<outpost::v1::ConflictResolveResponse> Client::ConflictResolve(
    const outpost::v1::ConflictResolveRequest& r) {
  return impl_->Call<outpost::v1::ConflictResolveRequest,
                     outpost::v1::ConflictResolveResponse>(
      impl_->operator_.get(), &outpost::v1::Operator::Stub::ConflictResolve, r);
}

absl::StatusOr<outpost::v1::QuarantineListResponse> Client::QuarantineList() {
  return impl_->Call<outpost::v1::QuarantineListRequest,
                     outpost::v1::QuarantineListResponse>(
      impl_->operator_.get(), &outpost::v1::Operator::Stub::QuarantineList,
      outpost::v1::QuarantineListRequest());
}

absl::StatusOr<outpost::v1::QuarantineView> Client::QuarantineShow(int64_t id) {
  outpost::v1::QuarantineShowRequest r;
  r.set_id(id);
  return impl_
      ->Call<outpost::v1::QuarantineShowRequest, outpost::v1::QuarantineView>(
          impl_->operator_.get(), &outpost::v1::Operator::Stub::QuarantineShow,
          r);
}

absl::Status Client::QuarantineRetry(
    const outpost::v1::QuarantineActionRequest& r) {
  return impl_
      ->Call<outpost::v1::QuarantineActionRequest,
             outpost::v1::QuarantineActionResponse>(
          impl_->operator_.get(), &outpost::v1::Operator::Stub::QuarantineRetry,
          r)
      .status();
}

absl::Status Client::QuarantineDiscard(
    const outpost::v1::QuarantineActionRequest& r) {
  return impl_
      ->Call<outpost::v1::QuarantineActionRequest,
             outpost::v1::QuarantineActionResponse>(
          impl_->operator_.get(),
          &outpost::v1::Operator::Stub::QuarantineDiscard, r)
      .status();
}

absl::StatusOr<outpost::v1::RepairResponse> Client::Repair(
    const outpost::v1::RepairRequest& r) {
  grpc::ClientContext context;
  impl_->Authorize(&context);
  context.set_deadline(
      std::chrono::system_clock::now() +
      std::max(std::chrono::milliseconds(60000),
               absl::ToChronoMilliseconds(impl_->options_.timeout)));
  outpost::v1::RepairResponse response;
  grpc::Status status = impl_->operator_->Repair(&context, r, &response);
  if (status.ok()) return response;
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      !absl::StrContains(status.error_message(), "upstream")) {
    return absl::UnavailableError(
        absl::StrCat("node ", impl_->options_.address,
                     " unreachable: ", status.error_message()));
  }
  return server::FromGrpcStatus(status);
}

absl::StatusOr<outpost::v1::AuditResponse> Client::Audit(
    const outpost::v1::AuditRequest& r) {
  return impl_->Call<outpost::v1::AuditRequest, outpost::v1::AuditResponse>(
      impl_->operator_.get(), &outpost::v1::Operator::Stub::Audit, r);
}

#define OUTPOST_CONSOLIDATION_CALL(Name, Request, Response)                   \
  absl::StatusOr<outpost::v1::Response> Client::Name(                         \
      const outpost::v1::Request& r) {                                        \
    return impl_->Call<outpost::v1::Request, outpost::v1::Response>(          \
        impl_->consolidation_.get(), &outpost::v1::Consolidation::Stub::Name, \
        r);                                                                   \
  }
OUTPOST_CONSOLIDATION_CALL(SubmitReport, SubmitReportRequest, DailyReport)
OUTPOST_CONSOLIDATION_CALL(GetReport, GetReportRequest, DailyReport)
OUTPOST_CONSOLIDATION_CALL(ListReports, ListReportsRequest, ListReportsResponse)
OUTPOST_CONSOLIDATION_CALL(Completeness, CompletenessRequest,
                           CompletenessResponse)
OUTPOST_CONSOLIDATION_CALL(ListItems, ListItemsRequest, ListItemsResponse)
OUTPOST_CONSOLIDATION_CALL(ReceiveSupplies, ReceiveSuppliesRequest,
                           MovementResponse)
OUTPOST_CONSOLIDATION_CALL(IssueSupplies, IssueSuppliesRequest,
                           MovementResponse)
OUTPOST_CONSOLIDATION_CALL(Stock, StockRequest, StockResponse)
OUTPOST_CONSOLIDATION_CALL(ListDonations, ListDonationsRequest,
                           ListDonationsResponse)
OUTPOST_CONSOLIDATION_CALL(AddServiceRequest, AddServiceRequestRequest,
                           ServiceRequest)
OUTPOST_CONSOLIDATION_CALL(UpdateServiceRequest, UpdateServiceRequestRequest,
                           ServiceRequest)
OUTPOST_CONSOLIDATION_CALL(ListServiceRequests, ListServiceRequestsRequest,
                           ListServiceRequestsResponse)
OUTPOST_CONSOLIDATION_CALL(AddCareVisit, AddCareVisitRequest, CareVisit)
OUTPOST_CONSOLIDATION_CALL(ListCareVisits, ListCareVisitsRequest,
                           ListCareVisitsResponse)
OUTPOST_CONSOLIDATION_CALL(OpenIncident, OpenIncidentRequest, Incident)
OUTPOST_CONSOLIDATION_CALL(AddIncidentAction, IncidentActionRequest, Incident)
OUTPOST_CONSOLIDATION_CALL(ListIncidents, ListIncidentsRequest,
                           ListIncidentsResponse)
OUTPOST_CONSOLIDATION_CALL(AddEnterprise, AddEnterpriseRequest, Enterprise)
OUTPOST_CONSOLIDATION_CALL(UpdateEnterprise, UpdateEnterpriseRequest,
                           Enterprise)
OUTPOST_CONSOLIDATION_CALL(ListEnterprises, ListEnterprisesRequest,
                           ListEnterprisesResponse)
OUTPOST_CONSOLIDATION_CALL(Summary, SummaryRequest, SummaryResponse)
#undef OUTPOST_CONSOLIDATION_CALL

absl::Status Client::ExportTable(
    const std::string& table, std::vector<std::string>* header,
    const std::function<void(const std::vector<std::string>&)>& row) {
  grpc::ClientContext context;
  impl_->Authorize(&context);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::minutes(10));
  outpost::v1::ExportRequest request;
  request.set_table(table);
  auto reader = impl_->consolidation_->Export(&context, request);
  outpost::v1::ExportChunk chunk;
  std::vector<std::string> cells;
  while (reader->Read(&chunk)) {
    for (const std::string& h : chunk.header()) header->push_back(h);
    for (const auto& r : chunk.rows()) {
      cells.assign(r.cells().begin(), r.cells().end());
      row(cells);
    }
  }
  return impl_->ToStatus(reader->Finish());
}

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
