// The Consolidation service: daily and zero reports with completeness, the
// supplies and donations ledger, services for quarantined homes, emergency
// responses, business reopening, and the consolidated summary and export.
// Every write goes through the engine, so it replicates to the nodes holding
// its scope (the community id; the sub-district warehouse's ledger rows carry
// kWarehouseScope, which only central holds).
//
// Negative stock: a ledger balance can go below zero only when concurrent
// issues merge (a local issue beyond the stock is refused). A watcher thread,
// woken by the store's log listener after any commit (at most once a second),
// raises one open "negative_balance" alert per (item, location) for the
// locations this node holds; `Stock` runs the same check before answering.
//
// Thread-safety: the RPC handlers run on the service's WorkPool; the watcher
// on its own thread. Destroy the service before the store.
#ifndef OUTPOST_SERVER_CONSOLIDATION_SERVICE_H_
#define OUTPOST_SERVER_CONSOLIDATION_SERVICE_H_

#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "outpost/v1/consolidation.grpc.pb.h"
#include "server/id_cipher.h"
#include "server/query.h"
#include "server/work_pool.h"
#include "sync/store.h"

namespace outpost::server {

class ConsolidationService final
    : public outpost::v1::Consolidation::CallbackService {
 public:
  // `role`: "central" or "community" (shown in the summary);
  // `report_deadline`: HH:MM on the day after a report's date, the default
  // of Completeness.
  ConsolidationService(sync::Store* store, std::string role,
                       std::string report_deadline = "10:00");
  ~ConsolidationService() override;
  // ID-card numbers at rest are encrypted (server/id_cipher.h): exported
  // masked.
  void set_id_cipher(std::shared_ptr<const IdCipher> cipher) {
    cipher_ = std::move(cipher);
  }

#define OUTPOST_UNARY(Name, Request, Response)                              \
  grpc::ServerUnaryReactor* Name(grpc::CallbackServerContext* context,      \
                                 const outpost::v1::Request* request,       \
                                 outpost::v1::Response* response) override; \
  absl::Status Do##Name(const outpost::v1::Request& request,                \
                        outpost::v1::Response* response);
  OUTPOST_UNARY(SubmitReport, SubmitReportRequest, DailyReport)
  OUTPOST_UNARY(GetReport, GetReportRequest, DailyReport)
  OUTPOST_UNARY(ListReports, ListReportsRequest, ListReportsResponse)
  OUTPOST_UNARY(Completeness, CompletenessRequest, CompletenessResponse)
  OUTPOST_UNARY(ListItems, ListItemsRequest, ListItemsResponse)
  OUTPOST_UNARY(ReceiveSupplies, ReceiveSuppliesRequest, MovementResponse)
  OUTPOST_UNARY(IssueSupplies, IssueSuppliesRequest, MovementResponse)
  OUTPOST_UNARY(Stock, StockRequest, StockResponse)
  OUTPOST_UNARY(ListDonations, ListDonationsRequest, ListDonationsResponse)
  OUTPOST_UNARY(AddServiceRequest, AddServiceRequestRequest, ServiceRequest)
  OUTPOST_UNARY(UpdateServiceRequest, UpdateServiceRequestRequest,
                ServiceRequest)
  OUTPOST_UNARY(ListServiceRequests, ListServiceRequestsRequest,
                ListServiceRequestsResponse)
  OUTPOST_UNARY(AddCareVisit, AddCareVisitRequest, CareVisit)
  OUTPOST_UNARY(ListCareVisits, ListCareVisitsRequest, ListCareVisitsResponse)
  OUTPOST_UNARY(OpenIncident, OpenIncidentRequest, Incident)
  OUTPOST_UNARY(AddIncidentAction, IncidentActionRequest, Incident)
  OUTPOST_UNARY(ListIncidents, ListIncidentsRequest, ListIncidentsResponse)
  OUTPOST_UNARY(AddEnterprise, AddEnterpriseRequest, Enterprise)
  OUTPOST_UNARY(UpdateEnterprise, UpdateEnterpriseRequest, Enterprise)
  OUTPOST_UNARY(ListEnterprises, ListEnterprisesRequest,
                ListEnterprisesResponse)
  OUTPOST_UNARY(Summary, SummaryRequest, SummaryResponse)
#undef OUTPOST_UNARY

  // Server streaming: the header with the first page, then pages of
  // kExportPageRows rows in id order.
  grpc::ServerWriteReactor<outpost::v1::ExportChunk>* Export(
      grpc::CallbackServerContext* context,
      const outpost::v1::ExportRequest* request) override;
  // One page of a domain table's rows after `after_id` ("" = the first
  // page, which also carries the header) as text cells, ID-card numbers
  // masked. INVALID_ARGUMENT for a table that is not exportable.
  // `scope` non-empty: only that community's rows (a scoped token's view).
  absl::Status ExportPage(const std::string& table, const std::string& scope,
                          const std::string& after_id,
                          outpost::v1::ExportChunk* chunk);
  static constexpr int kExportPageRows = 1000;

  // Raises the negative-balance alerts now; returns how many it created.
  absl::StatusOr<int> CheckNegativeBalances();

  using Arg = QueryArg;  // server/query.h

 private:
  // The scope a location's ledger rows carry; NOT_FOUND for unknown ones.
  absl::StatusOr<std::string> LocationScope(const std::string& location);
  // True when `community` is registered here or is one of this node's own
  // scopes.
  bool KnownCommunity(const std::string& community);
  absl::Status Query(const std::string& sql, const std::vector<Arg>& args,
                     const std::function<void(sync::Statement&)>& each);
  absl::StatusOr<int64_t> Count(const std::string& sql,
                                const std::vector<Arg>& args);
  absl::StatusOr<int64_t> Balance(const std::string& item,
                                  const std::string& location);
  absl::Status ComputeFigures(const std::string& community,
                              const std::string& date,
                              outpost::v1::DailyReport* report);
  absl::Status LoadIncident(const std::string& id, outpost::v1::Incident* out);
  absl::Status LoadEnterprise(const std::string& id,
                              outpost::v1::Enterprise* out);
  absl::Status LoadServiceRequest(const std::string& id,
                                  outpost::v1::ServiceRequest* out);
  void WatchLoop();

  sync::Store* const store_;
  const std::string role_;
  const std::string report_deadline_;
  WorkPool pool_{4};
  int listener_id_ = 0;
  absl::Mutex mu_;
  bool dirty_ ABSL_GUARDED_BY(mu_) = true;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watcher_;
  std::shared_ptr<const IdCipher> cipher_;
};

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_CONSOLIDATION_SERVICE_H_
