// The Community service: registry (compounds, checkpoints, households,
// residents), checkpoint passages with their decision, and alerts. Every
// write goes through the engine, so it replicates; ID-card numbers leave the
// node masked.
#ifndef OUTPOST_SERVER_COMMUNITY_SERVICE_H_
#define OUTPOST_SERVER_COMMUNITY_SERVICE_H_

#include <string>
#include <vector>

#include "outpost/v1/community.grpc.pb.h"
#include "server/auth.h"
#include "server/id_cipher.h"
#include "server/query.h"
#include "server/work_pool.h"
#include "sync/store.h"

namespace outpost::server {

class CommunityService final : public outpost::v1::Community::CallbackService {
 public:
  // `id_key`: the sub-district's key for resident ids (the same on every node,
  // so one person registered at two offices is one row).
  CommunityService(sync::Store* store, std::string id_key)
      : store_(store), id_key_(std::move(id_key)) {}
  // ID-card numbers at rest are encrypted with `cipher` (server/id_cipher.h);
  // without one (unit tests) they are stored as given. Call before serving.
  void set_id_cipher(std::shared_ptr<const IdCipher> cipher) {
    cipher_ = std::move(cipher);
  }

#define OUTPOST_UNARY(Name, Request, Response)                              \
  grpc::ServerUnaryReactor* Name(grpc::CallbackServerContext* context,      \
                                 const outpost::v1::Request* request,       \
                                 outpost::v1::Response* response) override; \
  absl::Status Do##Name(const outpost::v1::Request& request,                \
                        outpost::v1::Response* response);
  OUTPOST_UNARY(AddCompound, AddCompoundRequest, IdResponse)
  OUTPOST_UNARY(ListCompounds, ListCompoundsRequest, ListCompoundsResponse)
  OUTPOST_UNARY(AddCheckpoint, AddCheckpointRequest, IdResponse)
  OUTPOST_UNARY(ListCheckpoints, ListCheckpointsRequest,
                ListCheckpointsResponse)
  OUTPOST_UNARY(SetCheckpointActive, SetCheckpointActiveRequest, Checkpoint)
  OUTPOST_UNARY(AddHousehold, AddHouseholdRequest, IdResponse)
  OUTPOST_UNARY(AddResident, AddResidentRequest, IdResponse)
  OUTPOST_UNARY(UpdateResident, UpdateResidentRequest, Resident)
  OUTPOST_UNARY(GetResident, GetResidentRequest, Resident)
  OUTPOST_UNARY(FindResident, FindResidentRequest, ResidentsResponse)
  OUTPOST_UNARY(ListResidents, ListResidentsRequest, ResidentsResponse)
  grpc::ServerUnaryReactor* Pass(grpc::CallbackServerContext* context,
                                 const outpost::v1::PassRequest* request,
                                 outpost::v1::PassResponse* response) override;
  OUTPOST_UNARY(ListAlerts, ListAlertsRequest, ListAlertsResponse)
  OUTPOST_UNARY(UpdateAlert, UpdateAlertRequest, Alert)
  OUTPOST_UNARY(HealthRecord, HealthRecordRequest, HealthRecordResponse)
  OUTPOST_UNARY(HealthDueList, HealthDueRequest, HealthDueResponse)
  OUTPOST_UNARY(AddCommunity, AddCommunityRequest, IdResponse)
  OUTPOST_UNARY(SetCommunityActive, SetCommunityActiveRequest, CommunityInfo)
  OUTPOST_UNARY(ListCommunities, ListCommunitiesRequest,
                ListCommunitiesResponse)
  OUTPOST_UNARY(AddStaff, AddStaffRequest, IdResponse)
  OUTPOST_UNARY(ListStaff, ListStaffRequest, ListStaffResponse)
  OUTPOST_UNARY(AddPartyBranch, AddPartyBranchRequest, IdResponse)
  OUTPOST_UNARY(ListPartyBranches, ListPartyBranchesRequest,
                ListPartyBranchesResponse)
#undef OUTPOST_UNARY

  // A terminal's open stream of passages (server/pass_stream.h).
  grpc::ServerBidiReactor<outpost::v1::PassRequest, outpost::v1::PassResponse>*
  PassStream(grpc::CallbackServerContext* context) override;

  // Client streaming: the CSV's bytes, then one result (all or nothing per
  // file unless skip_bad). At most kMaxImportBytes.
  grpc::ServerReadReactor<outpost::v1::ImportChunk>* ImportResidents(
      grpc::CallbackServerContext* context,
      outpost::v1::ImportResult* result) override;
  absl::Status RunImport(const std::string& csv, bool skip_bad,
                         outpost::v1::ImportResult* result);
  static constexpr size_t kMaxImportBytes = 256 << 20;

 private:
  friend class ImportReactor;
  // Validates a passage, decides it and fills the response; the writes (the
  // passage and any alert) must then commit together.
  absl::Status PreparePass(const outpost::v1::PassRequest& request,
                           outpost::v1::PassResponse* response,
                           std::vector<sync::WriteRequest>* writes);
  // What a passage needs to know, read in one read transaction: the
  // checkpoint (found, active, community) and the resident, if registered
  // and within the caller's scope.
  struct PassFacts {
    bool checkpoint_found = false;
    bool checkpoint_active = true;
    std::string community;
    bool resident_found = false;
    std::string name, control, stored_id_number;
  };
  absl::StatusOr<PassFacts> LoadPassFacts(const std::string& checkpoint,
                                          const std::string& resident_id);
  absl::StatusOr<outpost::v1::Resident> LoadResident(const std::string& id);
  // Sets `active` on row `id` of `table` (a gate, a community) and returns
  // the row as it was; NOT_FOUND names `what`. With `community_field`, the
  // caller must be allowed that row's community.
  absl::StatusOr<std::map<std::string, sync::Value>> SetActive(
      const std::string& table, const std::string& what, const std::string& id,
      bool active, const std::string& community_field);
  absl::StatusOr<std::vector<outpost::v1::Resident>> QueryResidents(
      const std::string& where, const std::vector<QueryArg>& args);

  sync::Store* const store_;
  const std::string id_key_;
  std::shared_ptr<const IdCipher> cipher_;
  // The stored form of a number and the masked form of a stored value.
  std::string ProtectIdNumber(const std::string& id_number) const;
  std::string MaskStored(const std::string& stored) const;
  // The full number of resident `id`, audited as read by `principal`.
  absl::StatusOr<std::string> RevealIdNumber(const std::string& id,
                                             const Principal& principal);
  WorkPool pool_{8};
};

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_COMMUNITY_SERVICE_H_
