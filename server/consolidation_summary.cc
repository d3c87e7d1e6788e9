// The consolidated view: totals of what this node holds (at central, the
// whole sub-district by community) and table export for spreadsheets.
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "server/auth.h"
#include "server/consolidation_rules.h"
#include "server/consolidation_service.h"
#include "server/grpc_status.h"
#include "server/id_card.h"
#include "sync/status_macros.h"

namespace outpost::server {

namespace pb = outpost::v1;

absl::Status ConsolidationService::DoSummary(const pb::SummaryRequest& request,
                                             pb::SummaryResponse* response) {
  const int days = request.days() == 0 ? 7 : request.days();
  if (days < 1 || days > 366) {
    return absl::InvalidArgumentError(
        absl::StrCat("days: ", days, " is not 1-366"));
  }
  response->set_node_id(store_->node_id());
  response->set_role(role_);
  std::map<std::string, pb::CommunitySummary> by;
  RETURN_IF_ERROR(
      Query("SELECT id FROM communities", {}, [&](sync::Statement& st) {
        by[st.ColumnText(0)].set_community(st.ColumnText(0));
      }));
  using Setter = void (pb::CommunitySummary::*)(int64_t);
  struct Part {
    const char* sql;
    Setter first;
    Setter second;
  };
  const Part parts[] = {
      {"SELECT scope, COUNT(*) FROM households GROUP BY scope",
       &pb::CommunitySummary::set_households, nullptr},
      {"SELECT scope, COUNT(*) FROM residents GROUP BY scope",
       &pb::CommunitySummary::set_residents, nullptr},
      {"SELECT scope, COUNT(*) FROM compounds GROUP BY scope",
       &pb::CommunitySummary::set_compounds, nullptr},
      {"SELECT scope, COUNT(*) FROM checkpoints GROUP BY scope",
       &pb::CommunitySummary::set_checkpoints, nullptr},
      {"SELECT scope, COUNT(*) FROM staff GROUP BY scope",
       &pb::CommunitySummary::set_staff, nullptr},
      {"SELECT scope, COUNT(*) FROM residents WHERE control IN "
       "('home_quarantine', 'centralized_quarantine') GROUP BY scope",
       &pb::CommunitySummary::set_key_under_control, nullptr},
      {"SELECT scope, COUNT(*) FROM alerts WHERE status IN ('open', "
       "'acknowledged') GROUP BY scope",
       &pb::CommunitySummary::set_open_alerts, nullptr},
      {"SELECT scope, COUNT(*) FROM service_requests GROUP BY scope",
       &pb::CommunitySummary::set_service_requests, nullptr},
      {"SELECT scope, COUNT(*), COALESCE(SUM(employees), 0) FROM enterprises "
       "WHERE filing_status = 'reopened' GROUP BY scope",
       &pb::CommunitySummary::set_enterprises_reopened,
       &pb::CommunitySummary::set_reopened_employees},
      {"SELECT scope, COUNT(*) FROM incidents GROUP BY scope",
       &pb::CommunitySummary::set_incidents, nullptr},
      {"SELECT e.scope, COALESCE(SUM(m.qty), 0) FROM supply_movements m "
       "JOIN enterprises e ON e.id = m.location WHERE m.kind = 'issue' AND "
       "m.qty > 0 AND m.item = 'mask' GROUP BY e.scope",
       &pb::CommunitySummary::set_enterprise_masks, nullptr},
      {"SELECT scope, COUNT(*) FROM care_visits GROUP BY scope",
       &pb::CommunitySummary::set_care_visits, nullptr},
      // Posts: comma-separated checkpoint ids.
      {"SELECT scope, COUNT(*), COALESCE(SUM(CASE WHEN posts = '' THEN 0 "
       "ELSE LENGTH(posts) - LENGTH(REPLACE(posts, ',', '')) + 1 END), 0) "
       "FROM party_branches GROUP BY scope",
       &pb::CommunitySummary::set_party_branches,
       &pb::CommunitySummary::set_party_posts},
  };
  pb::CommunitySummary total;
  total.set_community("*");
  for (const Part& part : parts) {
    RETURN_IF_ERROR(Query(part.sql, {}, [&](sync::Statement& st) {
      pb::CommunitySummary& c = by[st.ColumnText(0)];
      c.set_community(st.ColumnText(0));
      (c.*part.first)(st.ColumnInt(1));
      if (part.second != nullptr) (c.*part.second)(st.ColumnInt(2));
    }));
  }
  for (auto& [id, c] : by) {
    total.set_households(total.households() + c.households());
    total.set_residents(total.residents() + c.residents());
    total.set_compounds(total.compounds() + c.compounds());
    total.set_checkpoints(total.checkpoints() + c.checkpoints());
    total.set_staff(total.staff() + c.staff());
    total.set_key_under_control(total.key_under_control() +
                                c.key_under_control());
    total.set_open_alerts(total.open_alerts() + c.open_alerts());
    total.set_service_requests(total.service_requests() + c.service_requests());
    total.set_enterprises_reopened(total.enterprises_reopened() +
                                   c.enterprises_reopened());
    total.set_reopened_employees(total.reopened_employees() +
                                 c.reopened_employees());
    total.set_incidents(total.incidents() + c.incidents());
    total.set_enterprise_masks(total.enterprise_masks() + c.enterprise_masks());
    total.set_party_branches(total.party_branches() + c.party_branches());
    total.set_party_posts(total.party_posts() + c.party_posts());
    total.set_care_visits(total.care_visits() + c.care_visits());
    *response->add_communities() = std::move(c);
  }
  *response->add_communities() = std::move(total);

  // Passages by local day and community (SQLite's localtime and absl's
  // local zone both follow TZ).
  const absl::CivilDay first =
      absl::ToCivilDay(absl::Now(), absl::LocalTimeZone()) - (days - 1);
  const int64_t from_ms =
      absl::ToUnixMillis(absl::FromCivil(first, absl::LocalTimeZone()));
  RETURN_IF_ERROR(Query(
      "SELECT date(at_ms / 1000, 'unixepoch', 'localtime') AS d, scope, "
      "COUNT(*), COALESCE(SUM(decision = 'FEVER'), 0), "
      "COALESCE(SUM(decision = 'DENY'), 0) FROM passages WHERE at_ms >= ?1 "
      "GROUP BY d, scope ORDER BY d, scope",
      {from_ms}, [&](sync::Statement& st) {
        pb::DaySummary* d = response->add_days();
        d->set_date(st.ColumnText(0));
        d->set_community(st.ColumnText(1));
        d->set_passages(st.ColumnInt(2));
        d->set_fevers(st.ColumnInt(3));
        d->set_denials(st.ColumnInt(4));
      }));
  RETURN_IF_ERROR(
      Query("SELECT role, COUNT(*) FROM staff GROUP BY role", {},
            [&](sync::Statement& st) {
              (*response->mutable_staff_by_role())[st.ColumnText(0)] =
                  st.ColumnInt(1);
            }));
  std::map<std::string, std::string> units;
  for (const SupplyItemDef& def : SupplyCatalog()) units[def.id] = def.unit;
  RETURN_IF_ERROR(Query(
      "SELECT item, SUM(qty) FROM supply_movements WHERE kind = 'issue' AND "
      "qty > 0 GROUP BY item ORDER BY item",
      {}, [&](sync::Statement& st) {
        pb::ItemIssued* i = response->add_issued();
        i->set_item(st.ColumnText(0));
        i->set_unit(units[i->item()]);
        i->set_issued(st.ColumnInt(1));
      }));
  return Query(
      "SELECT donor, batch, item, SUM(qty) FROM supply_movements WHERE kind = "
      "'donation' GROUP BY donor, batch, item ORDER BY donor, batch, item",
      {}, [&](sync::Statement& st) {
        pb::DonationBatch* b = response->add_donation_batches();
        b->set_donor(st.ColumnText(0));
        b->set_batch(st.ColumnText(1));
        b->set_item(st.ColumnText(2));
        b->set_qty(st.ColumnInt(3));
      });
}

absl::Status ConsolidationService::ExportPage(const std::string& table,
                                              const std::string& scope,
                                              const std::string& after_id,
                                              pb::ExportChunk* chunk) {
  const sync::TableDef* def = store_->schema().table(table);
  if (def == nullptr || absl::StartsWith(table, "sys_")) {
    std::vector<std::string> names;
    for (const sync::TableDef& t : store_->schema().tables()) {
      if (!absl::StartsWith(t.name, "sys_")) names.push_back(t.name);
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "table: \"", table, "\" is not one of ", absl::StrJoin(names, ", ")));
  }
  std::vector<std::string> columns = {"id", "scope"};
  for (const sync::FieldDef& f : def->fields) columns.push_back(f.name);
  std::vector<std::string> quoted;
  int mask_column = -1;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (after_id.empty()) chunk->add_header(columns[i]);
    quoted.push_back(sync::QuoteId(columns[i]));
    if (columns[i] == "id_number") mask_column = static_cast<int>(i);
  }
  // Names come from the schema, never from the request. Keyset paging by
  // id: each page is one short read, and memory stays bounded.
  const std::string sql = absl::StrCat(
      "SELECT ", absl::StrJoin(quoted, ", "), " FROM ", sync::QuoteId(table),
      " WHERE id > ?1 AND (?2 = '' OR scope = ?2) ORDER BY id LIMIT ",
      kExportPageRows);
  return Query(sql, {after_id, scope}, [&](sync::Statement& st) {
    pb::ExportRow* row = chunk->add_rows();
    for (int c = 0; c < st.ColumnCount(); ++c) {
      std::string cell = st.ColumnIsNull(c) ? "" : st.ColumnText(c);
      if (c == mask_column && !cell.empty()) {
        cell = cipher_ != nullptr ? cipher_->Masked(cell) : MaskIdNumber(cell);
      }
      row->add_cells(std::move(cell));
    }
  });
}

namespace {

// Streams a table page by page: each page is read on the pool, written, and
// the next one read only once the write is done.
class ExportReactor : public grpc::ServerWriteReactor<pb::ExportChunk> {
 public:
  ExportReactor(ConsolidationService* service, WorkPool* pool,
                std::string table, std::string scope)
      : service_(service),
        pool_(pool),
        table_(std::move(table)),
        scope_(std::move(scope)) {
    ReadNext();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "export cancelled"));
      return;
    }
    if (chunk_.rows_size() < ConsolidationService::kExportPageRows) {
      Finish(grpc::Status::OK);  // that was the last page
      return;
    }
    after_id_ = chunk_.rows(chunk_.rows_size() - 1).cells(0);
    ReadNext();
  }
  void OnDone() override { delete this; }

 private:
  void ReadNext() {
    pool_->Schedule([this] {
      chunk_.Clear();
      absl::Status status =
          service_->ExportPage(table_, scope_, after_id_, &chunk_);
      if (!status.ok()) {
        Finish(ToGrpcStatus(status));
        return;
      }
      StartWrite(&chunk_);
    });
  }
  ConsolidationService* const service_;
  WorkPool* const pool_;
  const std::string table_;
  const std::string scope_;  // empty: every community's rows
  std::string after_id_;
  pb::ExportChunk chunk_;
};

}  // namespace

grpc::ServerWriteReactor<pb::ExportChunk>* ConsolidationService::Export(
    grpc::CallbackServerContext* context, const pb::ExportRequest* request) {
  if (absl::Status allowed = CallAllowed(context); !allowed.ok()) {
    return new RefusedWriter<pb::ExportChunk>(allowed);
  }
  // A community's operator exports its own community's rows, even at
  // central, which holds them all.
  std::optional<Principal> caller = CallPrincipal(context);
  return new ExportReactor(this, &pool_, request->table(),
                           caller.has_value() ? caller->scope : "");
}

}  // namespace outpost::server
