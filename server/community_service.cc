#include "server/community_service.h"

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "server/id_card.h"
#include "server/offload.h"
#include "server/pass_stream.h"
#include "server/passage_rules.h"
#include "server/query.h"
#include "server/resident_import.h"
#include "server/validate.h"
#include "sync/status_macros.h"

namespace outpost::server {
namespace {

using sync::TextValue;
using sync::WriteRequest;
namespace pb = outpost::v1;

WriteRequest Row(const std::string& table, const std::string& id,
                 const std::string& scope) {
  WriteRequest w;
  w.table = table;
  w.row_id = id;
  w.scope = scope;
  return w;
}

bool OneOf(const std::string& value,
           std::initializer_list<absl::string_view> allowed) {
  for (absl::string_view a : allowed) {
    if (value == a) return true;
  }
  return false;
}

std::string Text(const std::map<std::string, sync::Value>& row,
                 const std::string& field) {
  auto it = row.find(field);
  return it == row.end() ? std::string() : it->second.text_value();
}

}  // namespace

#define OUTPOST_OFFLOAD(Name, Request, Response)                        \
  grpc::ServerUnaryReactor* CommunityService::Name(                     \
      grpc::CallbackServerContext* context, const pb::Request* request, \
      pb::Response* response) {                                         \
    return Offload(pool_, context, [this, request, response] {          \
      return Do##Name(*request, response);                              \
    });                                                                 \
  }
OUTPOST_OFFLOAD(AddCompound, AddCompoundRequest, IdResponse)
OUTPOST_OFFLOAD(ListCompounds, ListCompoundsRequest, ListCompoundsResponse)
OUTPOST_OFFLOAD(AddCheckpoint, AddCheckpointRequest, IdResponse)
OUTPOST_OFFLOAD(ListCheckpoints, ListCheckpointsRequest,
                ListCheckpointsResponse)
OUTPOST_OFFLOAD(SetCheckpointActive, SetCheckpointActiveRequest, Checkpoint)
OUTPOST_OFFLOAD(AddHousehold, AddHouseholdRequest, IdResponse)
OUTPOST_OFFLOAD(AddResident, AddResidentRequest, IdResponse)
OUTPOST_OFFLOAD(UpdateResident, UpdateResidentRequest, Resident)
// GetResident: masked by default; `unmasked` for registrar and above, audited.
grpc::ServerUnaryReactor* CommunityService::GetResident(
    grpc::CallbackServerContext* context, const pb::GetResidentRequest* request,
    pb::Resident* response) {
  std::optional<Principal> principal = CallPrincipal(context);
  return Offload(pool_, context, [this, request, response, principal] {
    RETURN_IF_ERROR(DoGetResident(*request, response));
    if (!request->unmasked()) return absl::OkStatus();
    if (!principal || !MaySeeIdNumbers(*principal)) {
      return absl::PermissionDeniedError(absl::StrCat(
          "role ",
          principal ? std::string(RoleName(principal->role)) : "unknown",
          " may not read full ID-card numbers (registrar and above)"));
    }
    ASSIGN_OR_RETURN(std::string number,
                     RevealIdNumber(request->id(), *principal));
    response->set_id_number(number);
    return absl::OkStatus();
  });
}

std::string CommunityService::ProtectIdNumber(
    const std::string& id_number) const {
  return cipher_ ? cipher_->Encrypt(id_number) : id_number;
}

std::string CommunityService::MaskStored(const std::string& stored) const {
  return cipher_ ? cipher_->Masked(stored) : MaskIdNumber(stored);
}

absl::StatusOr<std::string> CommunityService::RevealIdNumber(
    const std::string& id, const Principal& principal) {
  std::string stored;
  RETURN_IF_ERROR(
      Query(store_, "SELECT id_number FROM residents WHERE id = ?1", {id},
            [&](sync::Statement& st) { stored = st.ColumnText(0); }));
  std::string number = stored;
  if (cipher_) {
    ASSIGN_OR_RETURN(number, cipher_->Decrypt(stored));
  }
  RETURN_IF_ERROR(AuditIdRead(store_, principal, id));
  return number;
}
OUTPOST_OFFLOAD(FindResident, FindResidentRequest, ResidentsResponse)
OUTPOST_OFFLOAD(ListResidents, ListResidentsRequest, ResidentsResponse)
OUTPOST_OFFLOAD(ListAlerts, ListAlertsRequest, ListAlertsResponse)
OUTPOST_OFFLOAD(UpdateAlert, UpdateAlertRequest, Alert)
OUTPOST_OFFLOAD(HealthRecord, HealthRecordRequest, HealthRecordResponse)
OUTPOST_OFFLOAD(HealthDueList, HealthDueRequest, HealthDueResponse)
OUTPOST_OFFLOAD(AddCommunity, AddCommunityRequest, IdResponse)
OUTPOST_OFFLOAD(SetCommunityActive, SetCommunityActiveRequest, CommunityInfo)
OUTPOST_OFFLOAD(ListCommunities, ListCommunitiesRequest,
                ListCommunitiesResponse)
OUTPOST_OFFLOAD(AddStaff, AddStaffRequest, IdResponse)
OUTPOST_OFFLOAD(ListStaff, ListStaffRequest, ListStaffResponse)
OUTPOST_OFFLOAD(AddPartyBranch, AddPartyBranchRequest, IdResponse)
OUTPOST_OFFLOAD(ListPartyBranches, ListPartyBranchesRequest,
                ListPartyBranchesResponse)
#undef OUTPOST_OFFLOAD

absl::Status CommunityService::DoAddCompound(
    const pb::AddCompoundRequest& request, pb::IdResponse* response) {
  const pb::Compound& c = request.compound();
  RETURN_IF_ERROR(Required("id", c.id()));
  RETURN_IF_ERROR(Required("community", c.community()));
  RETURN_IF_ERROR(Required("name", c.name()));
  const std::string kind = c.kind().empty() ? "commodity_housing" : c.kind();
  RETURN_IF_ERROR(ValidCompoundKind(kind));
  RETURN_IF_ERROR(ValidDate("closed_since", c.closed_since()));
  WriteRequest w = Row("compounds", c.id(), c.community());
  w.Set("community", TextValue(c.community())).Set("name", TextValue(c.name()));
  w.Set("kind", TextValue(kind))
      .Set("closed_since", TextValue(c.closed_since()));
  RETURN_IF_ERROR(store_->Write(w).status());
  response->set_id(c.id());
  return absl::OkStatus();
}

absl::Status CommunityService::DoListCompounds(
    const pb::ListCompoundsRequest& request,
    pb::ListCompoundsResponse* response) {
  return Query(store_,
               "SELECT id, community, name, kind, closed_since FROM compounds "
               "WHERE ?1 = '' OR community = ?1 ORDER BY id",
               {request.community()}, [&](sync::Statement& st) {
                 pb::Compound* c = response->add_compounds();
                 c->set_id(st.ColumnText(0));
                 c->set_community(st.ColumnText(1));
                 c->set_name(st.ColumnText(2));
                 c->set_kind(st.ColumnText(3));
                 c->set_closed_since(st.ColumnText(4));
               });
}

absl::Status CommunityService::DoAddCheckpoint(
    const pb::AddCheckpointRequest& request, pb::IdResponse* response) {
  const pb::Checkpoint& cp = request.checkpoint();
  RETURN_IF_ERROR(Required("id", cp.id()));
  RETURN_IF_ERROR(Required("compound", cp.compound()));
  RETURN_IF_ERROR(Required("name", cp.name()));
  absl::StatusOr<std::map<std::string, sync::Value>> compound =
      store_->ReadValues("compounds", cp.compound());
  if (!compound.ok()) {
    return absl::NotFoundError(
        absl::StrCat("compound: \"", cp.compound(), "\" is not registered"));
  }
  const std::string community = Text(*compound, "community");
  RETURN_IF_ERROR(CallerMayUse(community));  // the token's scope
  WriteRequest w = Row("checkpoints", cp.id(), community);
  w.Set("compound", TextValue(cp.compound())).Set("name", TextValue(cp.name()));
  w.Set("active", sync::BoolValue(true)).Set("community", TextValue(community));
  RETURN_IF_ERROR(store_->Write(w).status());
  response->set_id(cp.id());
  return absl::OkStatus();
}

absl::Status CommunityService::DoListCheckpoints(
    const pb::ListCheckpointsRequest& request,
    pb::ListCheckpointsResponse* response) {
  return Query(store_,
               "SELECT id, compound, name, active, community FROM checkpoints "
               "WHERE ?1 = '' OR compound = ?1 ORDER BY id",
               {request.compound()}, [&](sync::Statement& st) {
                 pb::Checkpoint* c = response->add_checkpoints();
                 c->set_id(st.ColumnText(0));
                 c->set_compound(st.ColumnText(1));
                 c->set_name(st.ColumnText(2));
                 c->set_active(st.ColumnInt(3) != 0);
                 c->set_community(st.ColumnText(4));
               });
}

absl::StatusOr<std::map<std::string, sync::Value>> CommunityService::SetActive(
    const std::string& table, const std::string& what, const std::string& id,
    bool active, const std::string& community_field) {
  RETURN_IF_ERROR(Required("id", id));
  absl::StatusOr<std::map<std::string, sync::Value>> row =
      store_->ReadValues(table, id);
  if (!row.ok()) {
    return absl::NotFoundError(
        absl::StrCat(what, ": \"", id, "\" is not registered"));
  }
  if (!community_field.empty()) {
    RETURN_IF_ERROR(CallerMayUse(Text(*row, community_field)));
  }
  WriteRequest w = Row(table, id, "");
  w.Set("active", sync::BoolValue(active));
  RETURN_IF_ERROR(store_->Write(w).status());
  return row;
}

absl::Status CommunityService::DoSetCheckpointActive(
    const pb::SetCheckpointActiveRequest& request, pb::Checkpoint* response) {
  ASSIGN_OR_RETURN(auto checkpoint,
                   SetActive("checkpoints", "checkpoint", request.id(),
                             request.active(), "community"));
  response->set_id(request.id());
  response->set_compound(Text(checkpoint, "compound"));
  response->set_name(Text(checkpoint, "name"));
  response->set_active(request.active());
  response->set_community(Text(checkpoint, "community"));
  return absl::OkStatus();
}

absl::Status CommunityService::DoAddHousehold(
    const pb::AddHouseholdRequest& request, pb::IdResponse* response) {
  const pb::Household& h = request.household();
  RETURN_IF_ERROR(Required("community", h.community()));
  RETURN_IF_ERROR(Required("compound", h.compound()));
  RETURN_IF_ERROR(Required("building", h.building()));
  RETURN_IF_ERROR(Required("room", h.room()));
  // The same flat registered twice (or at two offices) is one row.
  const std::string id = HouseholdId(h.community(), h.compound(), h.building(),
                                     h.unit(), h.room());
  response->set_id(id);
  if (store_->ReadValues("households", id).ok()) return absl::OkStatus();
  WriteRequest w = Row("households", id, h.community());
  w.Set("community", TextValue(h.community()))
      .Set("compound", TextValue(h.compound()));
  w.Set("building", TextValue(h.building())).Set("unit", TextValue(h.unit()));
  w.Set("room", TextValue(h.room()));
  return store_->Write(w).status();
}

absl::Status CommunityService::DoAddResident(
    const pb::AddResidentRequest& request, pb::IdResponse* response) {
  const pb::Resident& r = request.resident();
  RETURN_IF_ERROR(Required("name", r.name()));
  RETURN_IF_ERROR(Required("household", r.household_id()));
  ASSIGN_OR_RETURN(std::string id_number, NormalizeIdNumber(r.id_number()));
  RETURN_IF_ERROR(ValidPhone(r.phone()));
  absl::StatusOr<std::map<std::string, sync::Value>> household =
      store_->ReadValues("households", r.household_id());
  if (!household.ok()) {
    return absl::NotFoundError(absl::StrCat("household: \"", r.household_id(),
                                            "\" is not registered"));
  }
  RETURN_IF_ERROR(CallerMayUse(Text(*household, "community")));
  const std::string id = ResidentId(id_key_, id_number);
  if (store_->ReadValues("residents", id).ok()) {
    return absl::AlreadyExistsError(
        absl::StrCat("id_number ", MaskIdNumber(id_number),
                     " is already registered as ", id));
  }
  WriteRequest w = Row("residents", id, Text(*household, "community"));
  w.Set("name", TextValue(r.name()))
      .Set("id_number", TextValue(ProtectIdNumber(id_number)));
  w.Set("phone", TextValue(r.phone()))
      .Set("household", TextValue(r.household_id()));
  w.Set("control", TextValue("none"));
  if (!r.key_category().empty())
    w.Set("key_category", TextValue(r.key_category()));
  RETURN_IF_ERROR(store_->Write(w).status());
  response->set_id(id);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<pb::Resident>> CommunityService::QueryResidents(
    const std::string& where, const std::vector<QueryArg>& args) {
  std::vector<pb::Resident> out;
  RETURN_IF_ERROR(
      Query(store_,
            absl::StrCat("SELECT id, name, id_number, phone, household, scope, "
                         "key_category, control, control_start, control_end, "
                         "special_care FROM residents WHERE ",
                         where, " ORDER BY id"),
            args, [&](sync::Statement& st) {
              pb::Resident r;
              r.set_id(st.ColumnText(0));
              r.set_name(st.ColumnText(1));
              r.set_id_number(MaskStored(st.ColumnText(2)));
              r.set_phone(st.ColumnText(3));
              r.set_household_id(st.ColumnText(4));
              r.set_community(st.ColumnText(5));
              r.set_key_category(st.ColumnText(6));
              r.set_control(st.ColumnText(7));
              r.set_control_start(st.ColumnText(8));
              r.set_control_end(st.ColumnText(9));
              r.set_special_care(st.ColumnText(10));
              // A scoped token sees its community's residents only.
              if (CallerMayUse(r.community()).ok()) out.push_back(std::move(r));
            }));
  return out;
}

absl::StatusOr<pb::Resident> CommunityService::LoadResident(
    const std::string& id) {
  ASSIGN_OR_RETURN(std::vector<pb::Resident> found,
                   QueryResidents("id = ?1", {id}));
  if (found.empty()) {
    return absl::NotFoundError(
        absl::StrCat("resident ", id, " is not registered"));
  }
  RETURN_IF_ERROR(CallerMayUse(found.front().community()));
  return found.front();
}

absl::Status CommunityService::DoUpdateResident(
    const pb::UpdateResidentRequest& request, pb::Resident* response) {
  RETURN_IF_ERROR(LoadResident(request.id()).status());
  const pb::Resident& r = request.resident();
  WriteRequest w = Row("residents", request.id(), "");
  for (const std::string& field : request.set()) {
    if (field == "name") {
      RETURN_IF_ERROR(Required("name", r.name()));
      w.Set("name", TextValue(r.name()));
    } else if (field == "phone") {
      RETURN_IF_ERROR(ValidPhone(r.phone()));
      w.Set("phone", TextValue(r.phone()));
    } else if (field == "control") {
      RETURN_IF_ERROR(ValidControl(r.control()));
      w.Set("control", TextValue(r.control()));
    } else if (field == "key_category") {
      w.Set("key_category", TextValue(r.key_category()));
    } else if (field == "special_care") {
      w.Set("special_care", TextValue(r.special_care()));
    } else if (field == "control_start" || field == "control_end") {
      const std::string& v =
          field == "control_start" ? r.control_start() : r.control_end();
      RETURN_IF_ERROR(ValidDate(field, v));
      w.Set(field, TextValue(v));
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "set: \"", field,
          "\" cannot be changed (name, phone, control, key_category, "
          "control_start, control_end, special_care)"));
    }
  }
  if (w.fields.empty())
    return absl::InvalidArgumentError("set: name the fields to change");
  RETURN_IF_ERROR(store_->Write(w).status());
  ASSIGN_OR_RETURN(*response, LoadResident(request.id()));
  return absl::OkStatus();
}

absl::Status CommunityService::DoGetResident(
    const pb::GetResidentRequest& request, pb::Resident* response) {
  ASSIGN_OR_RETURN(*response, LoadResident(request.id()));
  return absl::OkStatus();
}

absl::Status CommunityService::DoFindResident(
    const pb::FindResidentRequest& request, pb::ResidentsResponse* response) {
  ASSIGN_OR_RETURN(std::string id_number,
                   NormalizeIdNumber(request.id_number()));
  ASSIGN_OR_RETURN(std::vector<pb::Resident> found,
                   QueryResidents("id = ?1", {ResidentId(id_key_, id_number)}));
  for (pb::Resident& r : found) *response->add_residents() = std::move(r);
  return absl::OkStatus();
}

absl::Status CommunityService::DoListResidents(
    const pb::ListResidentsRequest& request, pb::ResidentsResponse* response) {
  ASSIGN_OR_RETURN(
      std::vector<pb::Resident> found,
      QueryResidents(
          "(?1 = '' OR scope = ?1) AND (?2 = '' OR control = ?2) AND "
          "(?3 = '' OR household IN (SELECT id FROM households "
          "WHERE compound = ?3))",
          {request.community(), request.control(), request.compound()}));
  for (pb::Resident& r : found) *response->add_residents() = std::move(r);
  return absl::OkStatus();
}

// A passage is answered once durable without holding a thread meanwhile:
// the lookups run on the gRPC thread (reader connection, page cache), the
// write joins the next group commit, and the commit finishes the call.
grpc::ServerUnaryReactor* CommunityService::Pass(
    grpc::CallbackServerContext* context, const pb::PassRequest* request,
    pb::PassResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::vector<WriteRequest> writes;
  absl::Status status = CallAllowed(context);  // server/auth.h
  if (status.ok()) {
    ScopedCaller caller(CallPrincipal(context));
    status = PreparePass(*request, response, &writes);
  }
  if (!status.ok()) {
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }
  store_->WriteAllAsync(
      std::move(writes),
      [reactor](absl::StatusOr<std::vector<sync::WriteResult>> result) {
        reactor->Finish(ToGrpcStatus(result.status()));
      });
  return reactor;
}

grpc::ServerBidiReactor<pb::PassRequest, pb::PassResponse>*
CommunityService::PassStream(grpc::CallbackServerContext* context) {
  if (absl::Status allowed = CallAllowed(context); !allowed.ok()) {
    return new RefusedBidi<pb::PassRequest, pb::PassResponse>(allowed);
  }
  return new PassStreamReactor(
      store_, [this, principal = CallPrincipal(context)](
                  const pb::PassRequest& request, pb::PassResponse* response,
                  std::vector<WriteRequest>* writes) {
        ScopedCaller caller(principal);  // the token's scope, per passage
        return PreparePass(request, response, writes);
      });
}

absl::StatusOr<CommunityService::PassFacts> CommunityService::LoadPassFacts(
    const std::string& checkpoint, const std::string& resident_id) {
  PassFacts facts;
  RETURN_IF_ERROR(store_->WithReader([&](sync::Database* db) -> absl::Status {
    // Both lookups see one snapshot and pay for one read transaction.
    sync::Transaction read(db, sync::Transaction::Mode::kRead);
    RETURN_IF_ERROR(read.Begin());
    sync::Statement& cp =
        db->Cached("SELECT active, community FROM checkpoints WHERE id = ?1");
    cp.BindText(1, checkpoint);
    absl::StatusOr<bool> row = cp.Step();
    if (row.ok() && *row) {
      facts.checkpoint_found = true;
      facts.checkpoint_active = !cp.ColumnIsNull(0) && cp.ColumnInt(0) != 0;
      facts.community = cp.ColumnText(1);
    }
    cp.Reset();
    if (row.ok()) {
      sync::Statement& r = db->Cached(
          "SELECT scope, name, control, id_number FROM residents WHERE id = "
          "?1");
      r.BindText(1, resident_id);
      row = r.Step();
      // A scoped token sees its community's residents only.
      if (row.ok() && *row && CallerMayUse(r.ColumnText(0)).ok()) {
        facts.resident_found = true;
        facts.name = r.ColumnText(1);
        facts.control = r.ColumnText(2);
        facts.stored_id_number = r.ColumnText(3);
      }
      r.Reset();
    }
    // On an error the Transaction rolls back: the reader is never left open.
    if (!row.ok()) return row.status();
    return read.Commit();
  }));
  return facts;
}

absl::Status CommunityService::PreparePass(const pb::PassRequest& request,
                                           pb::PassResponse* response,
                                           std::vector<WriteRequest>* writes) {
  RETURN_IF_ERROR(Required("checkpoint", request.checkpoint()));
  // Who: by resident id, or by ID-card number (validated first).
  std::string resident_id = request.resident_id();
  std::string id_number;
  if (resident_id.empty()) {
    if (request.id_number().empty()) {
      return absl::InvalidArgumentError("id_number: required (or resident_id)");
    }
    ASSIGN_OR_RETURN(id_number, NormalizeIdNumber(request.id_number()));
    resident_id = ResidentId(id_key_, id_number);
  }
  ASSIGN_OR_RETURN(PassFacts facts,
                   LoadPassFacts(request.checkpoint(), resident_id));
  if (!facts.checkpoint_found) {
    return absl::NotFoundError(absl::StrCat(
        "checkpoint: \"", request.checkpoint(), "\" is not registered"));
  }
  if (!facts.checkpoint_active) {
    return absl::FailedPreconditionError(
        absl::StrCat("checkpoint: \"", request.checkpoint(), "\" is closed"));
  }
  RETURN_IF_ERROR(CallerMayUse(facts.community));
  RETURN_IF_ERROR(CallerMayRecordAt(request.checkpoint()));
  if (!facts.resident_found && id_number.empty()) {
    return absl::NotFoundError(
        absl::StrCat("resident ", resident_id, " is not registered"));
  }
  ASSIGN_OR_RETURN(PassageDecision decision,
                   DecidePassage(request.temp(), request.direction(),
                                 facts.resident_found, facts.control));
  // The masked number: from the request when given (no decryption needed).
  const std::string masked = id_number.empty()
                                 ? MaskStored(facts.stored_id_number)
                                 : MaskIdNumber(id_number);
  const std::string& community = facts.community;
  const uint64_t hlc = store_->clock().Now();
  const std::string passage_id =
      absl::StrFormat("p%016x-%s", hlc, store_->node_id());
  WriteRequest passage = Row("passages", passage_id, community);
  passage.author = request.staff();
  passage.Set("checkpoint", TextValue(request.checkpoint()))
      .Set("direction", TextValue(request.direction()))
      .Set("temp", sync::RealValue(request.temp()))
      .Set("decision", TextValue(decision.decision))
      .Set("staff", TextValue(request.staff()))
      .Set("at_ms", sync::IntValue(sync::HlcPhysicalMs(hlc)));
  passage.Set("id_masked", TextValue(masked));
  if (facts.resident_found) {
    passage.Set("resident", TextValue(resident_id));
  } else {
    passage.Set("visitor_name", TextValue(request.visitor_name()));
  }
  writes->push_back(std::move(passage));
  if (!decision.alert_kind.empty()) {
    WriteRequest alert = Row("alerts", "al-" + passage_id, community);
    alert.author = request.staff();
    alert.Set("status", TextValue("open"))
        .Set("kind", TextValue(decision.alert_kind))
        .Set("subject", TextValue(facts.resident_found ? resident_id : masked))
        .Set("note", TextValue(decision.reason))
        .Set("actor", TextValue(request.staff()));
    writes->push_back(std::move(alert));
    response->set_alert_id("al-" + passage_id);
  }
  response->set_decision(decision.decision);
  response->set_passage_id(passage_id);
  response->set_reason(decision.reason);
  response->set_id_number(masked);
  if (facts.resident_found) {
    response->set_resident_id(resident_id);
    response->set_name(facts.name);
  } else {
    response->set_name(request.visitor_name());
  }
  return absl::OkStatus();
}

void ReadAlert(sync::Statement& st, pb::Alert* a) {
  a->set_id(st.ColumnText(0));
  a->set_status(st.ColumnText(1));
  a->set_kind(st.ColumnText(2));
  a->set_subject(st.ColumnText(3));
  a->set_note(st.ColumnText(4));
  a->set_community(st.ColumnText(5));
  a->set_by(st.ColumnText(6));
}

constexpr char kAlertsSelect[] =
    "SELECT id, status, kind, subject, note, scope, actor FROM alerts ";

absl::Status CommunityService::DoListAlerts(
    const pb::ListAlertsRequest& request, pb::ListAlertsResponse* response) {
  return Query(
      store_,
      absl::StrCat(kAlertsSelect, "WHERE ?1 = '' OR status = ?1 ORDER BY id"),
      {request.status()},
      [&](sync::Statement& st) { ReadAlert(st, response->add_alerts()); });
}

absl::Status CommunityService::DoUpdateAlert(
    const pb::UpdateAlertRequest& request, pb::Alert* response) {
  RETURN_IF_ERROR(Required("id", request.id()));
  if (!OneOf(request.status(), {"acknowledged", "handled", "closed"})) {
    return absl::InvalidArgumentError(
        absl::StrCat("status: \"", request.status(),
                     "\" is not acknowledged, handled or closed"));
  }
  RETURN_IF_ERROR(Required("note", request.note()));
  RETURN_IF_ERROR(Required("by", request.by()));  // who acted, for the record
  if (!store_->ReadValues("alerts", request.id()).ok()) {
    return absl::NotFoundError(
        absl::StrCat("alert ", request.id(), " not found"));
  }
  WriteRequest w = Row("alerts", request.id(), "");
  w.author = request.by();
  w.Set("status", TextValue(request.status()))
      .Set("note", TextValue(request.note()))
      .Set("actor", TextValue(request.by()));
  RETURN_IF_ERROR(store_->Write(w).status());
  return Query(store_, absl::StrCat(kAlertsSelect, "WHERE id = ?1"),
               {request.id()},
               [&](sync::Statement& st) { ReadAlert(st, response); });
}

absl::Status CommunityService::DoHealthRecord(
    const pb::HealthRecordRequest& request,
    pb::HealthRecordResponse* response) {
  ASSIGN_OR_RETURN(pb::Resident resident, LoadResident(request.resident_id()));
  // The same thermometer limits and fever threshold as at the checkpoints.
  RETURN_IF_ERROR(CheckTemperature(request.temp()));
  const bool fever = request.temp() >= kFeverC;
  const uint64_t hlc = store_->clock().Now();
  const std::string check_id =
      absl::StrFormat("h%016x-%s", hlc, store_->node_id());
  WriteRequest check = Row("health_checks", check_id, resident.community());
  check.author = request.by();
  check.Set("resident", TextValue(request.resident_id()))
      .Set("temp", sync::RealValue(request.temp()))
      .Set("symptoms", TextValue(request.symptoms()))
      .Set("actor", TextValue(request.by()))
      .Set("at_ms", sync::IntValue(sync::HlcPhysicalMs(hlc)));
  std::vector<WriteRequest> writes = {check};
  response->set_check_id(check_id);
  if (fever || !request.symptoms().empty()) {
    WriteRequest alert = Row("alerts", "al-" + check_id, resident.community());
    alert.author = request.by();
    alert.Set("status", TextValue("open"))
        .Set("kind", TextValue(fever ? "fever" : "symptoms"))
        .Set("subject", TextValue(request.resident_id()))
        .Set("note", TextValue(absl::StrCat(
                         fever ? absl::StrFormat("%.1f C", request.temp()) : "",
                         fever && !request.symptoms().empty() ? "; " : "",
                         request.symptoms())))
        .Set("actor", TextValue(request.by()));
    writes.push_back(std::move(alert));
    response->set_alert_id("al-" + check_id);
  }
  response->set_fever(fever);
  return store_->WriteAll(writes).status();
}

absl::Status CommunityService::DoHealthDueList(
    const pb::HealthDueRequest& request, pb::HealthDueResponse* response) {
  const int hours =
      request.interval_hours() == 0 ? 12 : request.interval_hours();
  if (hours < 1 || hours > 72) {
    return absl::InvalidArgumentError("interval_hours: must be 1-72");
  }
  const int64_t interval_ms = int64_t{hours} * 3600 * 1000;
  const int64_t grace_ms = 3600 * 1000;
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  ASSIGN_OR_RETURN(
      std::vector<pb::Resident> controlled,
      QueryResidents("control IN ('home_quarantine', 'centralized_quarantine')",
                     {}));
  for (const pb::Resident& r : controlled) {
    int64_t last = 0;
    RETURN_IF_ERROR(
        Query(store_,
              "SELECT COALESCE(MAX(at_ms), 0) FROM health_checks "
              "WHERE resident = ?1",
              {r.id()}, [&](sync::Statement& st) { last = st.ColumnInt(0); }));
    const int64_t due = last == 0 ? now_ms : last + interval_ms;
    if (due > now_ms) continue;  // not yet due
    pb::HealthDue* d = response->add_due();
    d->set_resident_id(r.id());
    d->set_name(r.name());
    d->set_control(r.control());
    d->set_last_check_ms(last);
    d->set_due_ms(due);
    // Never checked counts as missed at once; otherwise after an hour's grace.
    d->set_missed(last == 0 || now_ms - due > grace_ms);
    if (!d->missed()) continue;
    // One alert per resident and interval: the id is the same wherever it
    // is computed, so two offices raising it make one row.
    const std::string alert_id =
        absl::StrCat("mc-", r.id(), "-", now_ms / interval_ms);
    d->set_alert_id(alert_id);
    if (store_->ReadValues("alerts", alert_id).ok()) continue;
    WriteRequest alert = Row("alerts", alert_id, r.community());
    alert.Set("status", TextValue("open"))
        .Set("kind", TextValue("missed_check"))
        .Set("subject", TextValue(r.id()))
        .Set("note",
             TextValue(last == 0 ? "never checked"
                                 : absl::StrCat("last check ",
                                                (now_ms - last) / 3600000,
                                                " h ago")));
    RETURN_IF_ERROR(store_->Write(alert).status());
  }
  return absl::OkStatus();
}

absl::Status CommunityService::DoAddCommunity(
    const pb::AddCommunityRequest& request, pb::IdResponse* response) {
  const pb::CommunityInfo& c = request.community();
  RETURN_IF_ERROR(Required("id", c.id()));
  RETURN_IF_ERROR(Required("name", c.name()));
  // A community's own row lives in its own scope.
  WriteRequest w = Row("communities", c.id(), c.id());
  w.Set("name", TextValue(c.name())).Set("active", sync::BoolValue(true));
  RETURN_IF_ERROR(store_->Write(w).status());
  response->set_id(c.id());
  return absl::OkStatus();
}

absl::Status CommunityService::DoSetCommunityActive(
    const pb::SetCommunityActiveRequest& request, pb::CommunityInfo* response) {
  ASSIGN_OR_RETURN(auto community,
                   SetActive("communities", "community", request.id(),
                             request.active(), /*community_field=*/""));
  response->set_id(request.id());
  response->set_name(Text(community, "name"));
  response->set_active(request.active());
  return absl::OkStatus();
}

absl::Status CommunityService::DoListCommunities(
    const pb::ListCommunitiesRequest&, pb::ListCommunitiesResponse* response) {
  return Query(store_, "SELECT id, name, active FROM communities ORDER BY id",
               {}, [&](sync::Statement& st) {
                 pb::CommunityInfo* c = response->add_communities();
                 c->set_id(st.ColumnText(0));
                 c->set_name(st.ColumnText(1));
                 c->set_active(st.ColumnInt(2) != 0);
               });
}

absl::Status CommunityService::DoAddStaff(const pb::AddStaffRequest& request,
                                          pb::IdResponse* response) {
  const pb::Staff& st = request.staff();
  RETURN_IF_ERROR(Required("id", st.id()));
  RETURN_IF_ERROR(Required("name", st.name()));
  RETURN_IF_ERROR(ValidPhone(st.phone()));
  const std::string role = st.role().empty() ? "duty" : st.role();
  // At a checkpoint: duty, volunteer, police, medic, party_member. A
  // community's secretary and director belong to their community (a
  // checkpoint or --community); the office's leaders and front-line staff
  // to the sub-district (scope "subdistrict", held by central only) unless
  // posted at a checkpoint.
  ASSIGN_OR_RETURN(const StaffPost post, StaffRolePost(role));
  const bool at_gate = post == StaffPost::kCheckpoint;
  const bool office = post == StaffPost::kOffice;
  if (at_gate) RETURN_IF_ERROR(Required("checkpoint", st.checkpoint()));
  RETURN_IF_ERROR(ValidShift(st.shift()));
  std::string community;
  std::string scope;
  if (!st.checkpoint().empty()) {
    absl::StatusOr<std::map<std::string, sync::Value>> checkpoint =
        store_->ReadValues("checkpoints", st.checkpoint());
    if (!checkpoint.ok()) {
      return absl::NotFoundError(absl::StrCat("checkpoint: \"", st.checkpoint(),
                                              "\" is not registered"));
    }
    community = scope = Text(*checkpoint, "community");
  } else if (!st.community().empty()) {
    if (!store_->ReadValues("communities", st.community()).ok()) {
      return absl::NotFoundError(absl::StrCat("community: \"", st.community(),
                                              "\" is not registered"));
    }
    community = scope = st.community();
  } else if (office) {
    scope = "subdistrict";  // the sub-district office's own people
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "community: required for a ", role, " without a checkpoint"));
  }
  WriteRequest w = Row("staff", st.id(), scope);
  w.Set("name", TextValue(st.name()))
      .Set("phone", TextValue(st.phone()))
      .Set("role", TextValue(role))
      .Set("checkpoint", TextValue(st.checkpoint()))
      .Set("shift", TextValue(st.shift()))
      .Set("community", TextValue(community));
  RETURN_IF_ERROR(store_->Write(w).status());
  response->set_id(st.id());
  return absl::OkStatus();
}

absl::Status CommunityService::DoListStaff(const pb::ListStaffRequest& request,
                                           pb::ListStaffResponse* response) {
  return Query(
      store_,
      "SELECT id, name, phone, role, checkpoint, shift, community FROM staff "
      "WHERE ?1 = '' OR checkpoint = ?1 ORDER BY id",
      {request.checkpoint()}, [&](sync::Statement& st) {
        pb::Staff* s = response->add_staff();
        s->set_id(st.ColumnText(0));
        s->set_name(st.ColumnText(1));
        s->set_phone(st.ColumnText(2));
        s->set_role(st.ColumnText(3));
        s->set_checkpoint(st.ColumnText(4));
        s->set_shift(st.ColumnText(5));
        s->set_community(st.ColumnText(6));
      });
}

absl::Status CommunityService::DoAddPartyBranch(
    const pb::AddPartyBranchRequest& request, pb::IdResponse* response) {
  const pb::PartyBranch& b = request.branch();
  RETURN_IF_ERROR(Required("id", b.id()));
  RETURN_IF_ERROR(Required("name", b.name()));
  RETURN_IF_ERROR(Required("compound", b.compound()));
  absl::StatusOr<std::map<std::string, sync::Value>> compound =
      store_->ReadValues("compounds", b.compound());
  if (!compound.ok()) {
    return absl::NotFoundError(
        absl::StrCat("compound: \"", b.compound(), "\" is not registered"));
  }
  const std::string community = Text(*compound, "community");
  std::vector<std::string> posts;
  for (const std::string& post : b.posts()) {
    absl::StatusOr<std::map<std::string, sync::Value>> checkpoint =
        store_->ReadValues("checkpoints", post);
    if (!checkpoint.ok()) {
      return absl::NotFoundError(
          absl::StrCat("posts: checkpoint \"", post, "\" is not registered"));
    }
    if (Text(*checkpoint, "community") != community) {
      return absl::InvalidArgumentError(
          absl::StrCat("posts: checkpoint \"", post, "\" is in community ",
                       Text(*checkpoint, "community"), ", not ", community));
    }
    if (absl::c_linear_search(posts, post)) {
      return absl::InvalidArgumentError(
          absl::StrCat("posts: checkpoint \"", post, "\" given twice"));
    }
    posts.push_back(post);
  }
  WriteRequest w = Row("party_branches", b.id(), community);
  w.Set("name", TextValue(b.name()))
      .Set("compound", TextValue(b.compound()))
      .Set("community", TextValue(community))
      .Set("posts", TextValue(absl::StrJoin(posts, ",")));
  RETURN_IF_ERROR(store_->Write(w).status());
  response->set_id(b.id());
  return absl::OkStatus();
}

absl::Status CommunityService::DoListPartyBranches(
    const pb::ListPartyBranchesRequest& request,
    pb::ListPartyBranchesResponse* response) {
  return Query(store_,
               "SELECT id, name, compound, community, posts FROM "
               "party_branches WHERE ?1 = '' OR community = ?1 ORDER BY id",
               {request.community()}, [&](sync::Statement& st) {
                 pb::PartyBranch* b = response->add_branches();
                 b->set_id(st.ColumnText(0));
                 b->set_name(st.ColumnText(1));
                 b->set_compound(st.ColumnText(2));
                 b->set_community(st.ColumnText(3));
                 for (absl::string_view post :
                      absl::StrSplit(st.ColumnText(4), ',', absl::SkipEmpty()))
                   b->add_posts(std::string(post));
               });
}

// Collects the chunks (reading never blocks), then imports on the pool.
class ImportReactor : public grpc::ServerReadReactor<pb::ImportChunk> {
 public:
  ImportReactor(CommunityService* service, pb::ImportResult* result)
      : service_(service), result_(result) {
    StartRead(&chunk_);
  }
  void OnReadDone(bool ok) override {
    if (ok) {
      if (first_) skip_bad_ = chunk_.skip_bad();
      first_ = false;
      if (data_.size() + chunk_.data().size() >
          CommunityService::kMaxImportBytes) {
        Finish(
            grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                         absl::StrCat("file: larger than ",
                                      CommunityService::kMaxImportBytes >> 20,
                                      " MiB; split it")));
        return;
      }
      data_.append(chunk_.data());
      StartRead(&chunk_);
      return;
    }
    service_->pool_.Schedule([this] {
      Finish(ToGrpcStatus(service_->RunImport(data_, skip_bad_, result_)));
    });
  }
  void OnDone() override { delete this; }

 private:
  CommunityService* service_;
  pb::ImportResult* result_;
  pb::ImportChunk chunk_;
  std::string data_;
  bool first_ = true;
  bool skip_bad_ = false;
};

grpc::ServerReadReactor<pb::ImportChunk>* CommunityService::ImportResidents(
    grpc::CallbackServerContext* context, pb::ImportResult* result) {
  if (absl::Status allowed = CallAllowed(context); !allowed.ok())
    return new RefusedReader<pb::ImportChunk>(allowed);
  return new ImportReactor(this, result);
}

absl::Status CommunityService::RunImport(const std::string& csv, bool skip_bad,
                                         pb::ImportResult* result) {
  const absl::Time start = absl::Now();
  ImportOptions options;
  options.id_key = id_key_;
  options.scopes = store_->scopes();
  options.cipher = cipher_.get();
  options.exists = [this](const std::string& table, const std::string& id) {
    return store_->ReadValues(table, id).ok();
  };
  absl::StatusOr<ImportPlan> plan = PlanResidentImport(csv, options);
  if (!plan.ok()) return plan.status();
  result->set_lines(plan->lines);
  result->set_rejected(static_cast<int64_t>(plan->rejects.size()));
  const size_t shown = skip_bad ? plan->rejects.size()
                                : std::min<size_t>(100, plan->rejects.size());
  for (size_t i = 0; i < shown; ++i) *result->add_rejects() = plan->rejects[i];
  if (!plan->rejects.empty() && !skip_bad) {
    result->set_written(false);  // all or nothing: nothing written
  } else {
    // One transaction for the whole file.
    if (!plan->writes.empty())
      RETURN_IF_ERROR(store_->WriteAll(plan->writes).status());
    result->set_written(true);
    result->set_households(plan->households);
    result->set_residents(plan->residents);
  }
  result->set_seconds(absl::ToDoubleSeconds(absl::Now() - start));
  return absl::OkStatus();
}

}  // namespace outpost::server
