// Consolidation service: plumbing (offload, queries, the negative-balance
// watcher) and the daily reports. Supplies, services, incidents, enterprises,
// summary and export live in consolidation_*.cc.
#include "server/consolidation_service.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "server/consolidation_rules.h"
#include "server/consolidation_util.h"
#include "server/offload.h"
#include "server/query.h"
#include "server/validate.h"
#include "sync/logging.h"
#include "sync/status_macros.h"

namespace outpost::server {

using consolidation::NowMs;
using consolidation::Row;
using sync::IntValue;
using sync::TextValue;
namespace pb = outpost::v1;

ConsolidationService::ConsolidationService(sync::Store* store, std::string role,
                                           std::string report_deadline)
    : store_(store),
      role_(std::move(role)),
      report_deadline_(std::move(report_deadline)) {
  listener_id_ = store_->AddLogListener([this] {
    absl::MutexLock lock(&mu_);
    dirty_ = true;
  });
  watcher_ = std::thread([this] { WatchLoop(); });
}

ConsolidationService::~ConsolidationService() {
  store_->RemoveLogListener(listener_id_);
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  watcher_.join();
}

void ConsolidationService::WatchLoop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return dirty_ || stop_;
      };
      mu_.Await(absl::Condition(&ready));
      if (stop_) return;
      dirty_ = false;
    }
    absl::StatusOr<int> raised = CheckNegativeBalances();
    if (!raised.ok()) {
      OUTPOST_LOG(WARNING) << "negative balance check: " << raised.status();
    }
    // At most one check a second however busy the node is; wake early only
    // to stop.
    absl::MutexLock lock(&mu_);
    auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stop_; };
    mu_.AwaitWithTimeout(absl::Condition(&stopping), absl::Seconds(1));
    if (stop_) return;
  }
}

absl::Status ConsolidationService::Query(
    const std::string& sql, const std::vector<Arg>& args,
    const std::function<void(sync::Statement&)>& each) {
  return server::Query(store_, sql, args, each);
}

absl::StatusOr<int64_t> ConsolidationService::Count(
    const std::string& sql, const std::vector<Arg>& args) {
  int64_t n = 0;
  RETURN_IF_ERROR(
      Query(sql, args, [&](sync::Statement& st) { n = st.ColumnInt(0); }));
  return n;
}

bool ConsolidationService::KnownCommunity(const std::string& community) {
  if (community.empty()) return false;
  if (!store_->scopes().all() && store_->scopes().Contains(community))
    return true;
  absl::StatusOr<int64_t> n =
      Count("SELECT COUNT(*) FROM communities WHERE id = ?1", {community});
  return n.ok() && *n > 0;
}

absl::StatusOr<std::string> ConsolidationService::LocationScope(
    const std::string& location) {
  if (location == kWarehouse) return std::string(kWarehouseScope);
  if (KnownCommunity(location)) return location;
  for (const char* table : {"checkpoints", "enterprises"}) {
    std::string scope;
    RETURN_IF_ERROR(Query(
        absl::StrCat("SELECT scope FROM ", table, " WHERE id = ?1"), {location},
        [&](sync::Statement& st) { scope = st.ColumnText(0); }));
    if (!scope.empty()) return scope;
  }
  return absl::NotFoundError(
      absl::StrCat("location: \"", location,
                   "\" is not a community, checkpoint, enterprise or the "
                   "warehouse",
                   store_->scopes().all() ? "" : " known to this node"));
}

#define OUTPOST_OFFLOAD(Name, Request, Response)                        \
  grpc::ServerUnaryReactor* ConsolidationService::Name(                 \
      grpc::CallbackServerContext* context, const pb::Request* request, \
      pb::Response* response) {                                         \
    return Offload(pool_, context, [this, request, response] {          \
      return Do##Name(*request, response);                              \
    });                                                                 \
  }
OUTPOST_OFFLOAD(SubmitReport, SubmitReportRequest, DailyReport)
OUTPOST_OFFLOAD(GetReport, GetReportRequest, DailyReport)
OUTPOST_OFFLOAD(ListReports, ListReportsRequest, ListReportsResponse)
OUTPOST_OFFLOAD(Completeness, CompletenessRequest, CompletenessResponse)
OUTPOST_OFFLOAD(ListItems, ListItemsRequest, ListItemsResponse)
OUTPOST_OFFLOAD(ReceiveSupplies, ReceiveSuppliesRequest, MovementResponse)
OUTPOST_OFFLOAD(IssueSupplies, IssueSuppliesRequest, MovementResponse)
OUTPOST_OFFLOAD(Stock, StockRequest, StockResponse)
OUTPOST_OFFLOAD(ListDonations, ListDonationsRequest, ListDonationsResponse)
OUTPOST_OFFLOAD(AddServiceRequest, AddServiceRequestRequest, ServiceRequest)
OUTPOST_OFFLOAD(UpdateServiceRequest, UpdateServiceRequestRequest,
                ServiceRequest)
OUTPOST_OFFLOAD(ListServiceRequests, ListServiceRequestsRequest,
                ListServiceRequestsResponse)
OUTPOST_OFFLOAD(AddCareVisit, AddCareVisitRequest, CareVisit)
OUTPOST_OFFLOAD(ListCareVisits, ListCareVisitsRequest, ListCareVisitsResponse)
OUTPOST_OFFLOAD(OpenIncident, OpenIncidentRequest, Incident)
OUTPOST_OFFLOAD(AddIncidentAction, IncidentActionRequest, Incident)
OUTPOST_OFFLOAD(ListIncidents, ListIncidentsRequest, ListIncidentsResponse)
OUTPOST_OFFLOAD(AddEnterprise, AddEnterpriseRequest, Enterprise)
OUTPOST_OFFLOAD(UpdateEnterprise, UpdateEnterpriseRequest, Enterprise)
OUTPOST_OFFLOAD(ListEnterprises, ListEnterprisesRequest,
                ListEnterprisesResponse)
OUTPOST_OFFLOAD(Summary, SummaryRequest, SummaryResponse)
#undef OUTPOST_OFFLOAD

// ---- Daily reports ----

namespace {

// Creation time of a register row: the oldest sibling of a field written
// when the row was created and rarely after (e.g. a resident's household).
// Rows stay in _meta with their siblings, so this needs no extra column.
int64_t FirstWriteMs(absl::string_view state, const std::string& field) {
  sync::RowState row;
  if (!row.ParseFromArray(state.data(), static_cast<int>(state.size())))
    return 0;
  const sync::FieldState* f = sync::FindField(row, field);
  if (f == nullptr) return 0;
  uint64_t first = 0;
  for (const sync::Sibling& s : f->siblings()) {
    if (first == 0 || s.hlc() < first) first = s.hlc();
  }
  return sync::HlcPhysicalMs(first);
}

// Time of the last write of a field (its newest sibling).
int64_t LastWriteMs(absl::string_view state, const std::string& field) {
  sync::RowState row;
  if (!row.ParseFromArray(state.data(), static_cast<int>(state.size())))
    return 0;
  const sync::FieldState* f = sync::FindField(row, field);
  if (f == nullptr) return 0;
  uint64_t last = 0;
  for (const sync::Sibling& s : f->siblings()) last = std::max(last, s.hlc());
  return sync::HlcPhysicalMs(last);
}

void ReadReport(sync::Statement& st, pb::DailyReport* r) {
  r->set_id(st.ColumnText(0));
  r->set_community(st.ColumnText(1));
  r->set_date(st.ColumnText(2));
  r->set_zero(st.ColumnInt(3) != 0);
  r->set_passages(st.ColumnInt(4));
  r->set_fevers(st.ColumnInt(5));
  r->set_denials(st.ColumnInt(6));
  r->set_key_under_control(st.ColumnInt(7));
  r->set_new_registrations(st.ColumnInt(8));
  r->set_alerts_opened(st.ColumnInt(9));
  r->set_alerts_handled(st.ColumnInt(10));
  r->set_services_delivered(st.ColumnInt(11));
  r->set_by(st.ColumnText(12));
  r->set_submitted_ms(st.ColumnInt(13));
  r->set_note(st.ColumnText(14));
}

constexpr char kReportSelect[] =
    "SELECT id, community, date, zero, passages, fevers, denials, "
    "key_under_control, new_registrations, alerts_opened, alerts_handled, "
    "services_delivered, actor, submitted_ms, note FROM daily_reports ";

}  // namespace

absl::Status ConsolidationService::ComputeFigures(const std::string& community,
                                                  const std::string& date,
                                                  pb::DailyReport* report) {
  ASSIGN_OR_RETURN(auto window, DayWindow(date, absl::LocalTimeZone()));
  const int64_t from = absl::ToUnixMillis(window.first);
  const int64_t to = absl::ToUnixMillis(window.second);
  RETURN_IF_ERROR(
      Query("SELECT COUNT(*), COALESCE(SUM(decision = 'FEVER'), 0), "
            "COALESCE(SUM(decision = 'DENY'), 0) FROM passages "
            "WHERE scope = ?1 AND at_ms >= ?2 AND at_ms < ?3",
            {community, from, to}, [&](sync::Statement& st) {
              report->set_passages(st.ColumnInt(0));
              report->set_fevers(st.ColumnInt(1));
              report->set_denials(st.ColumnInt(2));
            }));
  ASSIGN_OR_RETURN(int64_t controlled,
                   Count("SELECT COUNT(*) FROM residents WHERE scope = ?1 AND "
                         "control IN ('home_quarantine', "
                         "'centralized_quarantine')",
                         {community}));
  report->set_key_under_control(controlled);
  int registrations = 0, opened = 0, handled = 0;
  RETURN_IF_ERROR(
      Query("SELECT state FROM _meta WHERE tbl = 'residents' AND scope = ?1",
            {community}, [&](sync::Statement& st) {
              const int64_t at = FirstWriteMs(st.ColumnBlob(0), "household");
              if (at >= from && at < to) ++registrations;
            }));
  RETURN_IF_ERROR(
      Query("SELECT m.state, a.status FROM _meta m JOIN alerts a "
            "ON a.id = m.row_id WHERE m.tbl = 'alerts' AND m.scope = ?1",
            {community}, [&](sync::Statement& st) {
              const absl::string_view state = st.ColumnBlob(0);
              const int64_t at = FirstWriteMs(state, "kind");
              if (at >= from && at < to) ++opened;
              const std::string status = st.ColumnText(1);
              if (status == "handled" || status == "closed") {
                const int64_t done = LastWriteMs(state, "status");
                if (done >= from && done < to) ++handled;
              }
            }));
  report->set_new_registrations(registrations);
  report->set_alerts_opened(opened);
  report->set_alerts_handled(handled);
  ASSIGN_OR_RETURN(int64_t delivered,
                   Count("SELECT COUNT(*) FROM service_requests WHERE scope = "
                         "?1 AND status = 'delivered' AND updated_ms >= ?2 "
                         "AND updated_ms < ?3",
                         {community, from, to}));
  report->set_services_delivered(delivered);
  return absl::OkStatus();
}

absl::Status ConsolidationService::DoSubmitReport(
    const pb::SubmitReportRequest& request, pb::DailyReport* response) {
  RETURN_IF_ERROR(Required("community", request.community()));
  RETURN_IF_ERROR(Required("date", request.date()));
  RETURN_IF_ERROR(DayWindow(request.date(), absl::LocalTimeZone()).status());
  RETURN_IF_ERROR(Required("by", request.by()));  // the confirming operator
  if (!store_->scopes().Contains(request.community())) {
    return absl::PermissionDeniedError(
        absl::StrCat("community: \"", request.community(),
                     "\" is not held by this node; submit at its office"));
  }
  if (!KnownCommunity(request.community())) {
    return absl::NotFoundError(absl::StrCat(
        "community: \"", request.community(), "\" is not registered"));
  }
  pb::DailyReport& r = *response;
  RETURN_IF_ERROR(ComputeFigures(request.community(), request.date(), &r));
  if (request.zero()) {
    std::vector<std::string> activity;
    auto check = [&](const char* name, int64_t v) {
      if (v > 0) activity.push_back(absl::StrCat(name, "=", v));
    };
    check("passages", r.passages());
    check("fevers", r.fevers());
    check("denials", r.denials());
    check("new_registrations", r.new_registrations());
    check("alerts_opened", r.alerts_opened());
    check("services_delivered", r.services_delivered());
    if (!activity.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("zero: ", request.date(), " is not a zero day for ",
                       request.community(), " (", absl::StrJoin(activity, ", "),
                       "); submit a daily report instead"));
    }
  }
  r.set_id(ReportId(request.community(), request.date()));
  r.set_community(request.community());
  r.set_date(request.date());
  r.set_zero(request.zero());
  r.set_by(request.by());
  // A resubmission (a correction) keeps the first submission time, so a
  // report sent on time and corrected later is not late.
  int64_t first_ms = 0;
  RETURN_IF_ERROR(
      Query("SELECT submitted_ms FROM daily_reports WHERE id = ?1", {r.id()},
            [&](sync::Statement& st) { first_ms = st.ColumnInt(0); }));
  r.set_submitted_ms(first_ms > 0 ? first_ms : NowMs());
  r.set_note(request.note());
  sync::WriteRequest w =
      Row("daily_reports", r.id(), request.community(), request.by());
  w.Set("community", TextValue(r.community()))
      .Set("date", TextValue(r.date()))
      .Set("zero", sync::BoolValue(r.zero()))
      .Set("passages", IntValue(r.passages()))
      .Set("fevers", IntValue(r.fevers()))
      .Set("denials", IntValue(r.denials()))
      .Set("key_under_control", IntValue(r.key_under_control()))
      .Set("new_registrations", IntValue(r.new_registrations()))
      .Set("alerts_opened", IntValue(r.alerts_opened()))
      .Set("alerts_handled", IntValue(r.alerts_handled()))
      .Set("services_delivered", IntValue(r.services_delivered()))
      .Set("actor", TextValue(r.by()))
      .Set("note", TextValue(r.note()));
  if (first_ms == 0) w.Set("submitted_ms", IntValue(r.submitted_ms()));
  return store_->Write(w).status();
}

absl::Status ConsolidationService::DoGetReport(
    const pb::GetReportRequest& request, pb::DailyReport* response) {
  RETURN_IF_ERROR(Required("community", request.community()));
  RETURN_IF_ERROR(DayWindow(request.date(), absl::LocalTimeZone()).status());
  bool found = false;
  RETURN_IF_ERROR(Query(absl::StrCat(kReportSelect, "WHERE id = ?1"),
                        {ReportId(request.community(), request.date())},
                        [&](sync::Statement& st) {
                          ReadReport(st, response);
                          found = true;
                        }));
  if (!found) {
    return absl::NotFoundError(absl::StrCat("no report of ",
                                            request.community(), " for ",
                                            request.date(), " on this node"));
  }
  return absl::OkStatus();
}

absl::Status ConsolidationService::DoListReports(
    const pb::ListReportsRequest& request, pb::ListReportsResponse* response) {
  if (!request.date().empty())
    RETURN_IF_ERROR(DayWindow(request.date(), absl::LocalTimeZone()).status());
  return Query(absl::StrCat(kReportSelect,
                            "WHERE (?1 = '' OR date = ?1) AND "
                            "(?2 = '' OR community = ?2) ORDER BY date, "
                            "community"),
               {request.date(), request.community()}, [&](sync::Statement& st) {
                 ReadReport(st, response->add_reports());
               });
}

absl::Status ConsolidationService::DoCompleteness(
    const pb::CompletenessRequest& request,
    pb::CompletenessResponse* response) {
  RETURN_IF_ERROR(Required("date", request.date()));
  ASSIGN_OR_RETURN(
      absl::Time deadline,
      ReportDeadline(
          request.date(),
          request.deadline().empty() ? report_deadline_ : request.deadline(),
          absl::LocalTimeZone()));
  std::vector<std::string> expected;
  RETURN_IF_ERROR(Query(
      "SELECT id FROM communities WHERE active = 1 ORDER BY id", {},
      [&](sync::Statement& st) { expected.push_back(st.ColumnText(0)); }));
  std::vector<ReportSeen> seen;
  RETURN_IF_ERROR(
      Query("SELECT community, submitted_ms FROM daily_reports WHERE date = ?1",
            {request.date()}, [&](sync::Statement& st) {
              seen.push_back({st.ColumnText(0), st.ColumnInt(1)});
            }));
  ReportCompleteness c = ComputeCompleteness(expected, seen, deadline);
  response->set_expected(static_cast<int32_t>(expected.size()));
  for (const std::string& s : c.reported) response->add_reported(s);
  for (const std::string& s : c.missing) response->add_missing(s);
  for (const std::string& s : c.late) response->add_late(s);
  response->set_date(request.date());
  response->set_deadline_ms(absl::ToUnixMillis(deadline));
  return absl::OkStatus();
}

}  // namespace outpost::server
