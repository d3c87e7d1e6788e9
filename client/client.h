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

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "outpost/v1/auth.pb.h"
#include "outpost/v1/community.pb.h"
#include "outpost/v1/node.pb.h"

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
  absl::StatusOr<outpost::v1::ListCommunitiesResponse> ListCommunities(
      const outpost::v1::ListCommunitiesRequest& r);
  absl::StatusOr<outpost::v1::IdResponse> AddStaff(
      const outpost::v1::AddStaffRequest& r);
  absl::StatusOr<outpost::v1::ListStaffResponse> ListStaff(
      const outpost::v1::ListStaffRequest& r);

  // Streams a registry CSV file's bytes; `progress(sent, total)` is called as
  // chunks go out. The whole file is imported in one transaction (or, with
  // skip_bad, its good lines); bad lines come back in the result.
  absl::StatusOr<outpost::v1::ImportResult> ImportResidents(
      const std::string& csv, bool skip_bad,
      const std::function<void(size_t, size_t)>& progress);

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
