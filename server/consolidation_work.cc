// Services for quarantined homes (purchase/delivery requests, care visits),
// emergency responses (incidents and their actions) and business reopening
// (enterprises and their filing status).
#include "absl/strings/str_cat.h"
#include "server/consolidation_rules.h"
#include "server/consolidation_service.h"
#include "server/consolidation_util.h"
#include "server/validate.h"
#include "sync/status_macros.h"

namespace outpost::server {

using consolidation::NewId;
using consolidation::NowMs;
using consolidation::Row;
using sync::IntValue;
using sync::TextValue;
namespace pb = outpost::v1;

// ---- Service requests ----

namespace {
constexpr char kServiceSelect[] =
    "SELECT id, scope, household, kind, detail, status, actor, requested_ms, "
    "updated_ms FROM service_requests ";
void ReadService(sync::Statement& st, pb::ServiceRequest* s) {
  s->set_id(st.ColumnText(0));
  s->set_community(st.ColumnText(1));
  s->set_household(st.ColumnText(2));
  s->set_kind(st.ColumnText(3));
  s->set_detail(st.ColumnText(4));
  s->set_status(st.ColumnText(5));
  s->set_by(st.ColumnText(6));
  s->set_requested_ms(st.ColumnInt(7));
  s->set_updated_ms(st.ColumnInt(8));
}
}  // namespace

absl::Status ConsolidationService::LoadServiceRequest(const std::string& id,
                                                      pb::ServiceRequest* out) {
  bool found = false;
  RETURN_IF_ERROR(Query(absl::StrCat(kServiceSelect, "WHERE id = ?1"), {id},
                        [&](sync::Statement& st) {
                          ReadService(st, out);
                          found = true;
                        }));
  if (!found)
    return absl::NotFoundError(
        absl::StrCat("service request ", id, " not found"));
  return absl::OkStatus();
}

absl::Status ConsolidationService::DoAddServiceRequest(
    const pb::AddServiceRequestRequest& request, pb::ServiceRequest* response) {
  RETURN_IF_ERROR(Required("household", request.household()));
  RETURN_IF_ERROR(ValidServiceKind(request.kind()));
  RETURN_IF_ERROR(Required("detail", request.detail()));
  RETURN_IF_ERROR(Required("by", request.by()));
  std::string community;
  RETURN_IF_ERROR(
      Query("SELECT scope FROM households WHERE id = ?1", {request.household()},
            [&](sync::Statement& st) { community = st.ColumnText(0); }));
  if (community.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "household: \"", request.household(), "\" is not registered"));
  }
  const int64_t now = NowMs();
  const std::string id = NewId(store_, "sr");
  sync::WriteRequest w = Row("service_requests", id, community, request.by());
  w.Set("status", TextValue("requested"))
      .Set("community", TextValue(community))
      .Set("household", TextValue(request.household()))
      .Set("kind", TextValue(request.kind()))
      .Set("detail", TextValue(request.detail()))
      .Set("actor", TextValue(request.by()))
      .Set("requested_ms", IntValue(now))
      .Set("updated_ms", IntValue(now));
  RETURN_IF_ERROR(store_->Write(w).status());
  return LoadServiceRequest(id, response);
}

absl::Status ConsolidationService::DoUpdateServiceRequest(
    const pb::UpdateServiceRequestRequest& request,
    pb::ServiceRequest* response) {
  RETURN_IF_ERROR(Required("id", request.id()));
  RETURN_IF_ERROR(Required("by", request.by()));
  pb::ServiceRequest current;
  RETURN_IF_ERROR(LoadServiceRequest(request.id(), &current));
  RETURN_IF_ERROR(CheckServiceMove(current.status(), request.status()));
  sync::WriteRequest w =
      Row("service_requests", request.id(), "", request.by());
  w.Set("status", TextValue(request.status()))
      .Set("actor", TextValue(request.by()))
      .Set("updated_ms", IntValue(NowMs()));
  RETURN_IF_ERROR(store_->Write(w).status());
  return LoadServiceRequest(request.id(), response);
}

absl::Status ConsolidationService::DoListServiceRequests(
    const pb::ListServiceRequestsRequest& request,
    pb::ListServiceRequestsResponse* response) {
  return Query(
      absl::StrCat(kServiceSelect,
                   "WHERE (?1 = '' OR status = ?1) AND "
                   "(?2 = '' OR scope = ?2) ORDER BY id"),
      {request.status(), request.community()},
      [&](sync::Statement& st) { ReadService(st, response->add_requests()); });
}

// ---- Care visits ----

absl::Status ConsolidationService::DoAddCareVisit(
    const pb::AddCareVisitRequest& request, pb::CareVisit* response) {
  RETURN_IF_ERROR(Required("resident", request.resident()));
  RETURN_IF_ERROR(ValidCareMode(request.mode()));
  RETURN_IF_ERROR(Required("by", request.by()));
  std::string community, special_care;
  bool found = false;
  RETURN_IF_ERROR(
      Query("SELECT scope, special_care FROM residents WHERE id = ?1",
            {request.resident()}, [&](sync::Statement& st) {
              community = st.ColumnText(0);
              special_care = st.ColumnText(1);
              found = true;
            }));
  if (!found) {
    return absl::NotFoundError(absl::StrCat("resident: \"", request.resident(),
                                            "\" is not registered"));
  }
  if (special_care.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("resident: ", request.resident(),
                     " is not a special-care resident (set special_care "
                     "with resident update first)"));
  }
  uint64_t hlc = 0;
  const std::string id = NewId(store_, "cv", &hlc);
  sync::WriteRequest w = Row("care_visits", id, community, request.by());
  w.Set("resident", TextValue(request.resident()))
      .Set("mode", TextValue(request.mode()))
      .Set("note", TextValue(request.note()))
      .Set("actor", TextValue(request.by()))
      .Set("at_ms", IntValue(sync::HlcPhysicalMs(hlc)));
  RETURN_IF_ERROR(store_->Write(w).status());
  response->set_id(id);
  response->set_resident(request.resident());
  response->set_community(community);
  response->set_mode(request.mode());
  response->set_note(request.note());
  response->set_by(request.by());
  response->set_at_ms(sync::HlcPhysicalMs(hlc));
  return absl::OkStatus();
}

absl::Status ConsolidationService::DoListCareVisits(
    const pb::ListCareVisitsRequest& request,
    pb::ListCareVisitsResponse* response) {
  return Query(
      "SELECT id, resident, scope, mode, note, actor, at_ms FROM care_visits "
      "WHERE ?1 = '' OR resident = ?1 ORDER BY id",
      {request.resident()}, [&](sync::Statement& st) {
        pb::CareVisit* v = response->add_visits();
        v->set_id(st.ColumnText(0));
        v->set_resident(st.ColumnText(1));
        v->set_community(st.ColumnText(2));
        v->set_mode(st.ColumnText(3));
        v->set_note(st.ColumnText(4));
        v->set_by(st.ColumnText(5));
        v->set_at_ms(st.ColumnInt(6));
      });
}

// ---- Incidents ----

namespace {
constexpr char kIncidentSelect[] =
    "SELECT id, compound, scope, kind, status, note, actor, opened_ms FROM "
    "incidents ";
void ReadIncident(sync::Statement& st, pb::Incident* i) {
  i->set_id(st.ColumnText(0));
  i->set_compound(st.ColumnText(1));
  i->set_community(st.ColumnText(2));
  i->set_kind(st.ColumnText(3));
  i->set_status(st.ColumnText(4));
  i->set_note(st.ColumnText(5));
  i->set_by(st.ColumnText(6));
  i->set_opened_ms(st.ColumnInt(7));
}
}  // namespace

absl::Status ConsolidationService::LoadIncident(const std::string& id,
                                                pb::Incident* out) {
  bool found = false;
  RETURN_IF_ERROR(Query(absl::StrCat(kIncidentSelect, "WHERE id = ?1"), {id},
                        [&](sync::Statement& st) {
                          ReadIncident(st, out);
                          found = true;
                        }));
  if (!found)
    return absl::NotFoundError(absl::StrCat("incident ", id, " not found"));
  return Query(
      "SELECT id, incident, action, actor, at_ms FROM incident_actions WHERE "
      "incident = ?1 ORDER BY id",
      {id}, [&](sync::Statement& st) {
        pb::IncidentAction* a = out->add_actions();
        a->set_id(st.ColumnText(0));
        a->set_incident(st.ColumnText(1));
        a->set_action(st.ColumnText(2));
        a->set_by(st.ColumnText(3));
        a->set_at_ms(st.ColumnInt(4));
      });
}

absl::Status ConsolidationService::DoOpenIncident(
    const pb::OpenIncidentRequest& request, pb::Incident* response) {
  RETURN_IF_ERROR(Required("compound", request.compound()));
  RETURN_IF_ERROR(ValidIncidentKind(request.kind()));
  RETURN_IF_ERROR(Required("by", request.by()));
  std::string community;
  RETURN_IF_ERROR(
      Query("SELECT scope FROM compounds WHERE id = ?1", {request.compound()},
            [&](sync::Statement& st) { community = st.ColumnText(0); }));
  if (community.empty()) {
    return absl::NotFoundError(absl::StrCat("compound: \"", request.compound(),
                                            "\" is not registered"));
  }
  uint64_t hlc = 0;
  const std::string id = NewId(store_, "inc", &hlc);
  sync::WriteRequest w = Row("incidents", id, community, request.by());
  w.Set("status", TextValue("open"))
      .Set("compound", TextValue(request.compound()))
      .Set("community", TextValue(community))
      .Set("kind", TextValue(request.kind()))
      .Set("note", TextValue(request.note()))
      .Set("actor", TextValue(request.by()))
      .Set("opened_ms", IntValue(sync::HlcPhysicalMs(hlc)));
  RETURN_IF_ERROR(store_->Write(w).status());
  return LoadIncident(id, response);
}

absl::Status ConsolidationService::DoAddIncidentAction(
    const pb::IncidentActionRequest& request, pb::Incident* response) {
  RETURN_IF_ERROR(Required("incident", request.incident()));
  RETURN_IF_ERROR(Required("action", request.action()));
  RETURN_IF_ERROR(Required("by", request.by()));
  pb::Incident current;
  RETURN_IF_ERROR(LoadIncident(request.incident(), &current));
  if (!request.status().empty()) {
    RETURN_IF_ERROR(CheckForward("status", IncidentStates(), current.status(),
                                 request.status()));
  } else if (current.status() == "closed") {
    return absl::FailedPreconditionError(
        absl::StrCat("incident ", request.incident(), " is closed"));
  }
  uint64_t hlc = 0;
  const std::string action_id = NewId(store_, "ia", &hlc);
  sync::WriteRequest action =
      Row("incident_actions", action_id, current.community(), request.by());
  action.Set("incident", TextValue(request.incident()))
      .Set("action", TextValue(request.action()))
      .Set("actor", TextValue(request.by()))
      .Set("at_ms", IntValue(sync::HlcPhysicalMs(hlc)));
  std::vector<sync::WriteRequest> writes = {action};
  if (!request.status().empty()) {
    sync::WriteRequest status =
        Row("incidents", request.incident(), "", request.by());
    status.Set("status", TextValue(request.status()))
        .Set("actor", TextValue(request.by()));
    writes.push_back(std::move(status));
  }
  RETURN_IF_ERROR(store_->WriteAll(writes).status());
  return LoadIncident(request.incident(), response);
}

absl::Status ConsolidationService::DoListIncidents(
    const pb::ListIncidentsRequest& request,
    pb::ListIncidentsResponse* response) {
  std::vector<std::string> ids;
  RETURN_IF_ERROR(
      Query("SELECT id FROM incidents WHERE ?1 = '' OR status = ?1 "
            "ORDER BY id",
            {request.status()},
            [&](sync::Statement& st) { ids.push_back(st.ColumnText(0)); }));
  for (const std::string& id : ids)
    RETURN_IF_ERROR(LoadIncident(id, response->add_incidents()));
  return absl::OkStatus();
}

// ---- Enterprises ----

namespace {
constexpr char kEnterpriseSelect[] =
    "SELECT id, name, scope, employees, filing_status, actor FROM "
    "enterprises ";
void ReadEnterprise(sync::Statement& st, pb::Enterprise* e) {
  e->set_id(st.ColumnText(0));
  e->set_name(st.ColumnText(1));
  e->set_community(st.ColumnText(2));
  e->set_employees(st.ColumnInt(3));
  e->set_filing_status(st.ColumnText(4));
  e->set_by(st.ColumnText(5));
}
}  // namespace

absl::Status ConsolidationService::LoadEnterprise(const std::string& id,
                                                  pb::Enterprise* out) {
  bool found = false;
  RETURN_IF_ERROR(Query(absl::StrCat(kEnterpriseSelect, "WHERE id = ?1"), {id},
                        [&](sync::Statement& st) {
                          ReadEnterprise(st, out);
                          found = true;
                        }));
  if (!found)
    return absl::NotFoundError(absl::StrCat("enterprise ", id, " not found"));
  return absl::OkStatus();
}

absl::Status ConsolidationService::DoAddEnterprise(
    const pb::AddEnterpriseRequest& request, pb::Enterprise* response) {
  const pb::Enterprise& e = request.enterprise();
  RETURN_IF_ERROR(Required("id", e.id()));
  RETURN_IF_ERROR(Required("name", e.name()));
  RETURN_IF_ERROR(Required("community", e.community()));
  RETURN_IF_ERROR(Required("by", e.by()));
  RETURN_IF_ERROR(ValidEmployees(e.employees()));
  if (e.id() == kWarehouse) {
    return absl::InvalidArgumentError("id: \"warehouse\" is reserved");
  }
  if (!KnownCommunity(e.community())) {
    return absl::NotFoundError(
        absl::StrCat("community: \"", e.community(), "\" is not registered"));
  }
  if (store_->ReadValues("enterprises", e.id()).ok()) {
    return absl::AlreadyExistsError(
        absl::StrCat("enterprise ", e.id(), " is already registered"));
  }
  sync::WriteRequest w = Row("enterprises", e.id(), e.community(), e.by());
  w.Set("filing_status", TextValue("applied"))
      .Set("name", TextValue(e.name()))
      .Set("community", TextValue(e.community()))
      .Set("employees", IntValue(e.employees()))
      .Set("actor", TextValue(e.by()));
  RETURN_IF_ERROR(store_->Write(w).status());
  return LoadEnterprise(e.id(), response);
}

absl::Status ConsolidationService::DoUpdateEnterprise(
    const pb::UpdateEnterpriseRequest& request, pb::Enterprise* response) {
  RETURN_IF_ERROR(Required("id", request.id()));
  RETURN_IF_ERROR(Required("by", request.by()));
  pb::Enterprise current;
  RETURN_IF_ERROR(LoadEnterprise(request.id(), &current));
  if (request.filing_status().empty() && request.employees() == 0) {
    return absl::InvalidArgumentError(
        "filing_status: give a new filing_status or employees");
  }
  RETURN_IF_ERROR(ValidEmployees(request.employees()));
  sync::WriteRequest w = Row("enterprises", request.id(), "", request.by());
  if (!request.filing_status().empty()) {
    RETURN_IF_ERROR(CheckForward("filing_status", FilingStates(),
                                 current.filing_status(),
                                 request.filing_status()));
    w.Set("filing_status", TextValue(request.filing_status()));
  }
  if (request.employees() > 0)
    w.Set("employees", IntValue(request.employees()));
  w.Set("actor", TextValue(request.by()));
  RETURN_IF_ERROR(store_->Write(w).status());
  return LoadEnterprise(request.id(), response);
}

absl::Status ConsolidationService::DoListEnterprises(
    const pb::ListEnterprisesRequest& request,
    pb::ListEnterprisesResponse* response) {
  return Query(absl::StrCat(kEnterpriseSelect,
                            "WHERE (?1 = '' OR scope = ?1) AND "
                            "(?2 = '' OR filing_status = ?2) ORDER BY id"),
               {request.community(), request.filing_status()},
               [&](sync::Statement& st) {
                 ReadEnterprise(st, response->add_enterprises());
               });
}

}  // namespace outpost::server
