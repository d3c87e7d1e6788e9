#include "client/client.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "outpost/v1/community.grpc.pb.h"
#include "outpost/v1/consolidation.grpc.pb.h"
#include "outpost/v1/node.grpc.pb.h"
#include "server/grpc_status.h"

namespace outpost::client {

class Client::Impl {
 public:
  explicit Impl(const Options& options) : options_(options) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    // Fail fast when the node is down rather than retrying for the deadline.
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    channel_ = grpc::CreateCustomChannel(
        options.address, grpc::InsecureChannelCredentials(), args);
    admin_ = outpost::v1::Admin::NewStub(channel_);
    community_ = outpost::v1::Community::NewStub(channel_);
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

  const Options options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<outpost::v1::Admin::Stub> admin_;
  std::unique_ptr<outpost::v1::Community::Stub> community_;
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
  return std::unique_ptr<Client>(new Client(std::make_unique<Impl>(options)));
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
  grpc::Status status = reader->Finish();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return absl::UnavailableError(
        absl::StrCat("node ", impl_->options_.address,
                     " unreachable: ", status.error_message()));
  }
  return server::FromGrpcStatus(status);
}

}  // namespace outpost::client
