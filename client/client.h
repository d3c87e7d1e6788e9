// Client: the thin client library every Outpost front end uses (the
// `outpost` CLI, checkpoint terminals, tools). One connection to one node.
//
//   ASSIGN_OR_RETURN(auto client, Client::Connect({.address =
//   "127.0.0.1:7400"})); ASSIGN_OR_RETURN(outpost::v1::StatusResponse s,
//   client->Status());
//
// Every call has a deadline (Options::timeout): an unreachable node answers
// UNAVAILABLE or DEADLINE_EXCEEDED within it instead of hanging.
// Thread-safety: a Client may be used from several threads at once.
#ifndef OUTPOST_CLIENT_CLIENT_H_
#define OUTPOST_CLIENT_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "outpost/v1/auth.pb.h"
#include "outpost/v1/community.pb.h"
#include "outpost/v1/consolidation.pb.h"
#include "outpost/v1/node.pb.h"
#include "outpost/v1/operator.pb.h"

namespace outpost::client {

class Client {
 public:
  struct Options {
    std::string address = "127.0.0.1:7400";
    absl::Duration timeout = absl::Seconds(5);
    // Sent as `authorization: Bearer <token>` on every call (server/auth.h).
    std::string token;
    // PEM file of the sub-district CA: connect with TLS and verify the node
    // against it (nodes started with --tls_*). Empty: plaintext (loopback).
    std::string tls_ca;
  };

  // INVALID_ARGUMENT for an address that is not HOST:PORT or an unreadable
  // tls_ca file. Does not wait for
  // the node: the first call reports whether it is reachable.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(
      const Options& options);
  ~Client();

  absl::StatusOr<outpost::v1::StatusResponse> Status();
  absl::StatusOr<outpost::v1::VerifyResponse> Verify();
  absl::StatusOr<outpost::v1::DigestsResponse> Digests();
  absl::StatusOr<outpost::v1::ConflictsResponse> Conflicts(
      const outpost::v1::ConflictsRequest& request);

  // The Community service (registry, checkpoints, alerts).
  absl::StatusOr<outpost::v1::IdResponse> AddCompound(
      const outpost::v1::AddCompoundRequest& r);
  absl::StatusOr<outpost::v1::ListCompoundsResponse> ListCompounds(
      const outpost::v1::ListCompoundsRequest& r);
  absl::StatusOr<outpost::v1::IdResponse> AddCheckpoint(
      const outpost::v1::AddCheckpointRequest& r);
  absl::StatusOr<outpost::v1::ListCheckpointsResponse> ListCheckpoints(
      const outpost::v1::ListCheckpointsRequest& r);
  absl::StatusOr<outpost::v1::Checkpoint> SetCheckpointActive(
      const outpost::v1::SetCheckpointActiveRequest& r);
  absl::StatusOr<outpost::v1::IdResponse> AddHousehold(
      const outpost::v1::AddHouseholdRequest& r);
  absl::StatusOr<outpost::v1::IdResponse> AddResident(
      const outpost::v1::AddResidentRequest& r);
  absl::StatusOr<outpost::v1::Resident> UpdateResident(
      const outpost::v1::UpdateResidentRequest& r);
  absl::StatusOr<outpost::v1::Resident> GetResident(
      const outpost::v1::GetResidentRequest& r);
  absl::StatusOr<outpost::v1::ResidentsResponse> FindResident(
      const outpost::v1::FindResidentRequest& r);
  absl::StatusOr<outpost::v1::ResidentsResponse> ListResidents(
      const outpost::v1::ListResidentsRequest& r);
  absl::StatusOr<outpost::v1::PassResponse> Pass(
      const outpost::v1::PassRequest& r);
  absl::StatusOr<outpost::v1::ListAlertsResponse> ListAlerts(
      const outpost::v1::ListAlertsRequest& r);
  absl::StatusOr<outpost::v1::Alert> UpdateAlert(
      const outpost::v1::UpdateAlertRequest& r);
  absl::StatusOr<outpost::v1::HealthRecordResponse> HealthRecord(
      const outpost::v1::HealthRecordRequest& r);
  absl::StatusOr<outpost::v1::HealthDueResponse> HealthDueList(
      const outpost::v1::HealthDueRequest& r);
  absl::StatusOr<outpost::v1::IdResponse> AddCommunity(
      const outpost::v1::AddCommunityRequest& r);
  absl::StatusOr<outpost::v1::CommunityInfo> SetCommunityActive(
      const outpost::v1::SetCommunityActiveRequest& r);
  absl::StatusOr<outpost::v1::ListCommunitiesResponse> ListCommunities(
      const outpost::v1::ListCommunitiesRequest& r);
  absl::StatusOr<outpost::v1::IdResponse> AddStaff(
      const outpost::v1::AddStaffRequest& r);
  absl::StatusOr<outpost::v1::ListStaffResponse> ListStaff(
      const outpost::v1::ListStaffRequest& r);
  absl::StatusOr<outpost::v1::IdResponse> AddPartyBranch(
      const outpost::v1::AddPartyBranchRequest& r);
  absl::StatusOr<outpost::v1::ListPartyBranchesResponse> ListPartyBranches(
      const outpost::v1::ListPartyBranchesRequest& r);

  // Sends passages over one Community.PassStream (as a checkpoint terminal
  // does), keeping up to `window` awaiting their answer. Answers come back in
  // order, one per request; a refused passage has `error` set and nothing
  // written. Fails only when the stream itself fails.
  absl::StatusOr<std::vector<outpost::v1::PassResponse>> PassMany(
      const std::vector<outpost::v1::PassRequest>& requests, int window = 64);

  // Streams a registry CSV file's bytes; `progress(sent, total)` is called as
  // chunks go out. The whole file is imported in one transaction (or, with
  // skip_bad, its good lines); bad lines come back in the result.
  absl::StatusOr<outpost::v1::ImportResult> ImportResidents(
      const std::string& csv, bool skip_bad,
      const std::function<void(size_t, size_t)>& progress);

  // The Operator service (conflicts, quarantine, repair, audit).
  absl::StatusOr<outpost::v1::ConflictShowResponse> ConflictShow(
      const outpost::v1::ConflictShowRequest& r);
  absl::StatusOr<outpost::v1::ConflictResolveResponse> ConflictResolve(
      const outpost::v1::ConflictResolveRequest& r);
  absl::StatusOr<outpost::v1::QuarantineListResponse> QuarantineList();
  absl::StatusOr<outpost::v1::QuarantineView> QuarantineShow(int64_t id);
  absl::Status QuarantineRetry(const outpost::v1::QuarantineActionRequest& r);
  absl::Status QuarantineDiscard(const outpost::v1::QuarantineActionRequest& r);
  // Re-exchanges a scope with the upstream; takes as long as the scope is big
  // (at least a minute allowed, whatever Options::timeout says).
  absl::StatusOr<outpost::v1::RepairResponse> Repair(
      const outpost::v1::RepairRequest& r);
  absl::StatusOr<outpost::v1::AuditResponse> Audit(
      const outpost::v1::AuditRequest& r);
  // The Consolidation service (reports, supplies, services, incidents,
  // enterprises, summary).
#define OUTPOST_CONSOLIDATION_METHOD(Name, Request, Response) \
  absl::StatusOr<outpost::v1::Response> Name(const outpost::v1::Request& r);
  OUTPOST_CONSOLIDATION_METHOD(SubmitReport, SubmitReportRequest, DailyReport)
  OUTPOST_CONSOLIDATION_METHOD(GetReport, GetReportRequest, DailyReport)
  OUTPOST_CONSOLIDATION_METHOD(ListReports, ListReportsRequest,
                               ListReportsResponse)
  OUTPOST_CONSOLIDATION_METHOD(Completeness, CompletenessRequest,
                               CompletenessResponse)
  OUTPOST_CONSOLIDATION_METHOD(ListItems, ListItemsRequest, ListItemsResponse)
  OUTPOST_CONSOLIDATION_METHOD(ReceiveSupplies, ReceiveSuppliesRequest,
                               MovementResponse)
  OUTPOST_CONSOLIDATION_METHOD(IssueSupplies, IssueSuppliesRequest,
                               MovementResponse)
  OUTPOST_CONSOLIDATION_METHOD(Stock, StockRequest, StockResponse)
  OUTPOST_CONSOLIDATION_METHOD(ListDonations, ListDonationsRequest,
                               ListDonationsResponse)
  OUTPOST_CONSOLIDATION_METHOD(AddServiceRequest, AddServiceRequestRequest,
                               ServiceRequest)
  OUTPOST_CONSOLIDATION_METHOD(UpdateServiceRequest,
                               UpdateServiceRequestRequest, ServiceRequest)
  OUTPOST_CONSOLIDATION_METHOD(ListServiceRequests, ListServiceRequestsRequest,
                               ListServiceRequestsResponse)
  OUTPOST_CONSOLIDATION_METHOD(AddCareVisit, AddCareVisitRequest, CareVisit)
  OUTPOST_CONSOLIDATION_METHOD(ListCareVisits, ListCareVisitsRequest,
                               ListCareVisitsResponse)
  OUTPOST_CONSOLIDATION_METHOD(OpenIncident, OpenIncidentRequest, Incident)
  OUTPOST_CONSOLIDATION_METHOD(AddIncidentAction, IncidentActionRequest,
                               Incident)
  OUTPOST_CONSOLIDATION_METHOD(ListIncidents, ListIncidentsRequest,
                               ListIncidentsResponse)
  OUTPOST_CONSOLIDATION_METHOD(AddEnterprise, AddEnterpriseRequest, Enterprise)
  OUTPOST_CONSOLIDATION_METHOD(UpdateEnterprise, UpdateEnterpriseRequest,
                               Enterprise)
  OUTPOST_CONSOLIDATION_METHOD(ListEnterprises, ListEnterprisesRequest,
                               ListEnterprisesResponse)
  OUTPOST_CONSOLIDATION_METHOD(Summary, SummaryRequest, SummaryResponse)
#undef OUTPOST_CONSOLIDATION_METHOD
  // Every row of a domain table: `header` gets the column names, `row` is
  // called once per row (ID-card numbers come masked). Bounded by a
  // 10-minute deadline rather than the per-call timeout.
  absl::Status ExportTable(
      const std::string& table, std::vector<std::string>* header,
      const std::function<void(const std::vector<std::string>&)>& row);
  // Tokens of the node (admin only).
  absl::StatusOr<outpost::v1::CreateTokenResponse> CreateToken(
      const outpost::v1::CreateTokenRequest& r);
  absl::StatusOr<outpost::v1::ListTokensResponse> ListTokens(
      const outpost::v1::ListTokensRequest& r);
  absl::StatusOr<outpost::v1::TokenInfo> RevokeToken(
      const outpost::v1::RevokeTokenRequest& r);

  const std::string& address() const;

 private:
  class Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::client

#endif  // OUTPOST_CLIENT_CLIENT_H_
