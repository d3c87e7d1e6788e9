// Supplies and donations: the ledger of movements (supply_movements, keyed
// (item, location); stock = sum of qty) and the negative-balance alerts.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/consolidation_rules.h"
#include "server/consolidation_service.h"
#include "server/consolidation_util.h"
#include "server/validate.h"
#include "sync/status_macros.h"

namespace outpost::server {

using consolidation::NewId;
using consolidation::NowMs;
using consolidation::OneOf;
using consolidation::Row;
using sync::IntValue;
using sync::TextValue;
namespace pb = outpost::v1;

namespace {

constexpr char kMovementSelect[] =
    "SELECT id, item, location, qty, kind, donor, batch, counterpart, actor, "
    "at_ms FROM supply_movements ";

void ReadMovement(sync::Statement& st, pb::Movement* m) {
  m->set_id(st.ColumnText(0));
  m->set_item(st.ColumnText(1));
  m->set_location(st.ColumnText(2));
  m->set_qty(st.ColumnInt(3));
  m->set_kind(st.ColumnText(4));
  m->set_donor(st.ColumnText(5));
  m->set_batch(st.ColumnText(6));
  m->set_counterpart(st.ColumnText(7));
  m->set_by(st.ColumnText(8));
  m->set_at_ms(st.ColumnInt(9));
}

pb::Movement ToMovement(const sync::WriteRequest& w) {
  pb::Movement m;
  m.set_id(w.row_id);
  for (const auto& [field, value] : w.fields) {
    if (field == "item") m.set_item(value.text_value());
    if (field == "location") m.set_location(value.text_value());
    if (field == "qty") m.set_qty(value.int_value());
    if (field == "kind") m.set_kind(value.text_value());
    if (field == "donor") m.set_donor(value.text_value());
    if (field == "batch") m.set_batch(value.text_value());
    if (field == "counterpart") m.set_counterpart(value.text_value());
    if (field == "actor") m.set_by(value.text_value());
    if (field == "at_ms") m.set_at_ms(value.int_value());
  }
  return m;
}

}  // namespace

absl::StatusOr<int64_t> ConsolidationService::Balance(
    const std::string& item, const std::string& location) {
  return Count(
      "SELECT COALESCE(SUM(qty), 0) FROM supply_movements WHERE item = ?1 AND "
      "location = ?2",
      {item, location});
}

absl::Status ConsolidationService::DoListItems(
    const pb::ListItemsRequest&, pb::ListItemsResponse* response) {
  for (const SupplyItemDef& def : SupplyCatalog()) {
    pb::SupplyItem* item = response->add_items();
    item->set_id(def.id);
    item->set_name(def.name);
    item->set_unit(def.unit);
  }
  return absl::OkStatus();
}

absl::Status ConsolidationService::DoReceiveSupplies(
    const pb::ReceiveSuppliesRequest& request, pb::MovementResponse* response) {
  RETURN_IF_ERROR(FindSupplyItem("item", request.item()).status());
  RETURN_IF_ERROR(PositiveQuantity("qty", request.qty()));
  RETURN_IF_ERROR(Required("location", request.location()));
  if (!OneOf(request.source(), {"procurement", "donation"})) {
    return absl::InvalidArgumentError(absl::StrCat(
        "source: \"", request.source(), "\" is not procurement or donation"));
  }
  if (request.source() == "donation") {
    RETURN_IF_ERROR(Required("donor", request.donor()));
  } else if (!request.donor().empty() || !request.batch().empty()) {
    return absl::InvalidArgumentError(
        "donor: only a donation has a donor and batch");
  }
  ASSIGN_OR_RETURN(std::string scope, LocationScope(request.location()));
  uint64_t hlc = 0;
  const std::string id = NewId(store_, "mv", &hlc);
  sync::WriteRequest w = Row("supply_movements", id, scope, request.by());
  w.Set("item", TextValue(request.item()))
      .Set("location", TextValue(request.location()))
      .Set("qty", IntValue(request.qty()))
      .Set("kind", TextValue(request.source()))
      .Set("actor", TextValue(request.by()))
      .Set("at_ms", IntValue(sync::HlcPhysicalMs(hlc)));
  if (request.source() == "donation") {
    w.Set("donor", TextValue(request.donor()))
        .Set("batch", TextValue(request.batch()));
  }
  RETURN_IF_ERROR(store_->Write(w).status());
  *response->add_movements() = ToMovement(w);
  return absl::OkStatus();
}

absl::Status ConsolidationService::DoIssueSupplies(
    const pb::IssueSuppliesRequest& request, pb::MovementResponse* response) {
  ASSIGN_OR_RETURN(SupplyItemDef item, FindSupplyItem("item", request.item()));
  RETURN_IF_ERROR(PositiveQuantity("qty", request.qty()));
  RETURN_IF_ERROR(Required("from", request.from()));
  RETURN_IF_ERROR(Required("to", request.to()));
  const std::string kind = request.kind().empty() ? "issue" : request.kind();
  if (!OneOf(kind, {"issue", "transfer"})) {
    return absl::InvalidArgumentError(
        absl::StrCat("kind: \"", kind, "\" is not issue or transfer"));
  }
  if (request.from() == request.to()) {
    return absl::InvalidArgumentError("to: the same location as from");
  }
  ASSIGN_OR_RETURN(std::string from_scope, LocationScope(request.from()));
  ASSIGN_OR_RETURN(std::string to_scope, LocationScope(request.to()));
  for (const std::string* scope : {&from_scope, &to_scope}) {
    if (!store_->scopes().Contains(*scope)) {
      return absl::PermissionDeniedError(
          absl::StrCat(scope == &from_scope ? "from" : "to", ": \"",
                       scope == &from_scope ? request.from() : request.to(),
                       "\" is not held by this node (scope ", *scope,
                       "); issue it at central"));
    }
  }
  ASSIGN_OR_RETURN(int64_t on_hand, Balance(request.item(), request.from()));
  if (on_hand < request.qty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "qty: only ", on_hand, " ", item.unit, " of ", request.item(), " at ",
        request.from(), "; cannot issue ", request.qty()));
  }
  uint64_t hlc = 0;
  const std::string id = NewId(store_, "mv", &hlc);
  const int64_t at = sync::HlcPhysicalMs(hlc);
  // Minus at the source, plus at the destination: one transaction.
  sync::WriteRequest out =
      Row("supply_movements", id + "-out", from_scope, request.by());
  out.Set("item", TextValue(request.item()))
      .Set("location", TextValue(request.from()))
      .Set("qty", IntValue(-request.qty()))
      .Set("kind", TextValue(kind))
      .Set("counterpart", TextValue(request.to()))
      .Set("actor", TextValue(request.by()))
      .Set("at_ms", IntValue(at));
  sync::WriteRequest in =
      Row("supply_movements", id + "-in", to_scope, request.by());
  in.Set("item", TextValue(request.item()))
      .Set("location", TextValue(request.to()))
      .Set("qty", IntValue(request.qty()))
      .Set("kind", TextValue(kind))
      .Set("counterpart", TextValue(request.from()))
      .Set("actor", TextValue(request.by()))
      .Set("at_ms", IntValue(at));
  RETURN_IF_ERROR(store_->WriteAll({out, in}).status());
  *response->add_movements() = ToMovement(out);
  *response->add_movements() = ToMovement(in);
  return absl::OkStatus();
}

absl::Status ConsolidationService::DoStock(const pb::StockRequest& request,
                                           pb::StockResponse* response) {
  if (!request.location().empty())
    RETURN_IF_ERROR(LocationScope(request.location()).status());
  RETURN_IF_ERROR(CheckNegativeBalances().status());
  std::map<std::string, std::string> units;
  for (const SupplyItemDef& def : SupplyCatalog()) units[def.id] = def.unit;
  return Query(
      "SELECT location, item, SUM(qty) FROM supply_movements "
      "WHERE ?1 = '' OR location = ?1 GROUP BY location, item "
      "ORDER BY location, item",
      {request.location()}, [&](sync::Statement& st) {
        pb::StockLine* line = response->add_stock();
        line->set_location(st.ColumnText(0));
        line->set_item(st.ColumnText(1));
        line->set_unit(units[line->item()]);
        line->set_qty(st.ColumnInt(2));
      });
}

absl::Status ConsolidationService::DoListDonations(
    const pb::ListDonationsRequest&, pb::ListDonationsResponse* response) {
  return Query(
      absl::StrCat(kMovementSelect, "WHERE kind = 'donation' ORDER BY id"), {},
      [&](sync::Statement& st) {
        ReadMovement(st, response->add_donations());
      });
}

absl::StatusOr<int> ConsolidationService::CheckNegativeBalances() {
  // On the reader connection: the check never holds up writes.
  std::vector<std::pair<std::string, std::string>> negatives;
  RETURN_IF_ERROR(Query(
      "SELECT item, location FROM supply_movements GROUP BY item, location "
      "HAVING SUM(qty) < 0",
      {}, [&](sync::Statement& st) {
        negatives.emplace_back(st.ColumnText(0), st.ColumnText(1));
      }));
  int raised = 0;
  for (const auto& [item, location] : negatives) {
    absl::StatusOr<std::string> scope = LocationScope(location);
    if (!scope.ok() || !store_->scopes().Contains(*scope)) continue;
    const std::string subject = absl::StrCat(item, "@", location);
    // At most one alert per (item, location) that is not closed: closing
    // it while the stock is still below zero raises a new one. Every node
    // numbers them the same way, so two nodes raising it after the same merge
    // write the same row.
    int64_t open = 0, total = 0;
    RETURN_IF_ERROR(Query(
        "SELECT COALESCE(SUM(status != 'closed'), 0), "
        "COUNT(*) FROM alerts WHERE kind = 'negative_balance' AND subject = ?1",
        {subject}, [&](sync::Statement& st) {
          open = st.ColumnInt(0);
          total = st.ColumnInt(1);
        }));
    if (open > 0) continue;
    sync::WriteRequest alert =
        Row("alerts", absl::StrCat("neg-", subject, "-", total + 1), *scope,
            "system");
    alert.Set("status", TextValue("open"))
        .Set("kind", TextValue("negative_balance"))
        .Set("subject", TextValue(subject))
        .Set("note", TextValue(absl::StrCat(
                         "stock of ", item, " at ", location,
                         " is below zero after merging concurrent issues")))
        .Set("actor", TextValue("system"));
    RETURN_IF_ERROR(store_->Write(alert).status());
    ++raised;
  }
  return raised;
}

}  // namespace outpost::server
