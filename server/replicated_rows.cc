#include "server/replicated_rows.h"

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/consolidation_rules.h"
#include "server/id_card.h"
#include "server/passage_rules.h"
#include "server/validate.h"
#include "sync/schema.h"
#include "sync/status_macros.h"

namespace outpost::server {
namespace {

using outpost::v1::Change;
using outpost::v1::FieldWrite;
using outpost::v1::Value;

// Central's own scope: the sub-district office's people, the warehouse.
constexpr absl::string_view kSubdistrict = kWarehouseScope;

// One change under check; the row's current values are read at most once,
// and only when a rule asks for them.
class RowUnderCheck {
 public:
  RowUnderCheck(const Change& change, sync::RowValuesReader current)
      : change_(change), current_(current) {}

  const Change& change() const { return change_; }
  const std::string& scope() const { return change_.scope(); }
  const std::string& id() const { return change_.row_id(); }

  // The value the change writes to `field`, or null.
  const Value* Written(absl::string_view field) const {
    for (const FieldWrite& w : change_.writes()) {
      if (w.field() == field) return &w.value();
    }
    return nullptr;
  }
  // A delete or a restore: the change writes nothing but the row's flag.
  bool OnlyDeletedFlag() const {
    for (const FieldWrite& w : change_.writes()) {
      if (w.field() != sync::kDeletedField) return false;
    }
    return true;
  }
  // The field's value once the change is applied: what it writes, else the
  // row's current value; null when neither has it.
  absl::StatusOr<const Value*> After(absl::string_view field) {
    if (const Value* v = Written(field)) return v;
    RETURN_IF_ERROR(Load());
    if (!row_.has_value()) return nullptr;
    auto it = row_->find(std::string(field));
    if (it == row_->end() || it->second.kind_case() == Value::KIND_NOT_SET)
      return nullptr;
    return &it->second;
  }
  // Whether the row has shown values here (false: new, or deleted).
  absl::StatusOr<bool> Exists() {
    RETURN_IF_ERROR(Load());
    return row_.has_value();
  }

  // INVALID_ARGUMENT "<table> <id>: <what>".
  absl::Status Refuse(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(change_.table(), " ", change_.row_id(), ": ", what));
  }
  // A shared validator's verdict ("<field>: <reason>") as a refusal.
  absl::Status Check(const absl::Status& verdict) const {
    if (verdict.ok()) return verdict;
    absl::Status refused = Refuse(verdict.message());
    if (absl::IsFailedPrecondition(verdict)) {
      return absl::FailedPreconditionError(refused.message());
    }
    return refused;
  }

 private:
  absl::Status Load() {
    if (loaded_) return absl::OkStatus();
    ASSIGN_OR_RETURN(row_, current_());
    loaded_ = true;
    return absl::OkStatus();
  }

  const Change& change_;
  sync::RowValuesReader current_;
  bool loaded_ = false;
  std::optional<std::map<std::string, Value>> row_;
};

const std::string& TextOf(const Value* v) {
  static const std::string* const kEmpty = new std::string();
  return v == nullptr ? *kEmpty : v->text_value();
}

// `id` is `prefix` then exactly `hex` lower-case hex digits: the form of a
// derived id (HouseholdId, ResidentId).
bool HasDerivedForm(absl::string_view id, absl::string_view prefix,
                    size_t hex) {
  if (!absl::ConsumePrefix(&id, prefix) || id.size() != hex) return false;
  for (char c : id) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) &&
        (c < 'a' || c > 'f'))
      return false;
  }
  return true;
}

// ---- Rules shared by several tables ----

// A row's `community` names its scope: a community writes its own rows.
absl::Status CommunityIsScope(const RowUnderCheck& row) {
  const Value* community = row.Written("community");
  if (community != nullptr && community->text_value() != row.scope()) {
    return row.Refuse(absl::StrCat("community: \"", community->text_value(),
                                   "\" is not the row's scope \"", row.scope(),
                                   "\""));
  }
  return absl::OkStatus();
}

absl::Status CheckRequired(const RowUnderCheck& row, absl::string_view field) {
  if (const Value* v = row.Written(field))
    return row.Check(Required(field, v->text_value()));
  return absl::OkStatus();
}

absl::Status CheckDate(const RowUnderCheck& row, absl::string_view field) {
  if (const Value* v = row.Written(field))
    return row.Check(ValidDate(field, v->text_value()));
  return absl::OkStatus();
}

absl::Status CheckText(const RowUnderCheck& row, absl::string_view field,
                       absl::Status (*valid)(absl::string_view)) {
  if (const Value* v = row.Written(field))
    return row.Check(valid(v->text_value()));
  return absl::OkStatus();
}

// ---- Per table ----

absl::Status Communities(const ReplicatedRowKeys&, RowUnderCheck& row) {
  if (row.scope() != row.id()) {
    return row.Refuse(
        absl::StrCat("scope: a community's row lives in its own "
                     "scope \"",
                     row.id(), "\", not \"", row.scope(), "\""));
  }
  return CheckRequired(row, "name");
}

absl::Status Staff(const ReplicatedRowKeys&, RowUnderCheck& row) {
  const bool office_scope = row.scope() == kSubdistrict;
  // The office's own people have no community; everyone else's is the scope.
  if (const Value* community = row.Written("community");
      community != nullptr &&
      !(office_scope && community->text_value().empty())) {
    RETURN_IF_ERROR(CommunityIsScope(row));
  }
  if (const Value* role = row.Written("role"))
    RETURN_IF_ERROR(row.Check(StaffRolePost(role->text_value()).status()));
  if (office_scope) {
    ASSIGN_OR_RETURN(const Value* role, row.After("role"));
    absl::StatusOr<StaffPost> post = StaffRolePost(TextOf(role));
    ASSIGN_OR_RETURN(const Value* checkpoint, row.After("checkpoint"));
    if (!post.ok() || *post != StaffPost::kOffice ||
        !TextOf(checkpoint).empty()) {
      return row.Refuse(
          absl::StrCat("role: scope ", kSubdistrict,
                       " is for office_leader and office_staff not posted at a "
                       "checkpoint, not \"",
                       TextOf(role), "\""));
    }
  }
  RETURN_IF_ERROR(CheckRequired(row, "name"));
  RETURN_IF_ERROR(CheckText(row, "phone", ValidPhone));
  return CheckText(row, "shift", ValidShift);
}

absl::Status Compounds(const ReplicatedRowKeys&, RowUnderCheck& row) {
  RETURN_IF_ERROR(CommunityIsScope(row));
  RETURN_IF_ERROR(CheckRequired(row, "name"));
  RETURN_IF_ERROR(CheckText(row, "kind", ValidCompoundKind));
  return CheckDate(row, "closed_since");
}

absl::Status Checkpoints(const ReplicatedRowKeys&, RowUnderCheck& row) {
  RETURN_IF_ERROR(CommunityIsScope(row));
  return CheckRequired(row, "name");
}

absl::Status Households(const ReplicatedRowKeys&, RowUnderCheck& row) {
  RETURN_IF_ERROR(CommunityIsScope(row));
  // "hh-<16 hex>" derives from the address: the change that creates the
  // row, or one that rewrites part of the address, must still derive it.
  if (!HasDerivedForm(row.id(), "hh-", 16) || row.OnlyDeletedFlag())
    return absl::OkStatus();
  static constexpr const char* kAddress[] = {"community", "compound",
                                             "building", "unit", "room"};
  bool writes_address = false;
  for (const char* field : kAddress)
    writes_address = writes_address || row.Written(field) != nullptr;
  if (!writes_address) {
    ASSIGN_OR_RETURN(bool exists, row.Exists());
    if (exists) return absl::OkStatus();  // an update of other fields
  }
  std::string parts[5];
  for (int i = 0; i < 5; ++i) {
    ASSIGN_OR_RETURN(const Value* v, row.After(kAddress[i]));
    if (v == nullptr) {
      return row.Refuse(absl::StrCat(
          kAddress[i],
          ": required (the id derives from community, compound, building, "
          "unit and room)"));
    }
    parts[i] = v->text_value();
  }
  const std::string derived =
      HouseholdId(parts[0], parts[1], parts[2], parts[3], parts[4]);
  if (derived != row.id()) {
    return row.Refuse(absl::StrCat(
        "community, compound, building, unit, room: the address's id is ",
        derived, ", not this row's"));
  }
  return absl::OkStatus();
}

absl::Status Residents(const ReplicatedRowKeys& keys, RowUnderCheck& row) {
  if (row.scope() == kSubdistrict) {
    return row.Refuse(
        absl::StrCat("scope: residents belong to a community, "
                     "not ",
                     kSubdistrict));
  }
  const bool derived_id = HasDerivedForm(row.id(), "r-", 20);
  if (const Value* stored = row.Written("id_number");
      stored != nullptr && !stored->text_value().empty()) {
    // A row carrying a number has the number's id, whoever wrote it.
    std::string number = stored->text_value();
    if (keys.cipher != nullptr) {
      absl::StatusOr<std::string> clear = keys.cipher->Decrypt(number);
      if (!clear.ok()) {
        return row.Refuse(
            "id_number: does not decrypt with this sub-district's data key");
      }
      number = *std::move(clear);
    }
    absl::StatusOr<std::string> normalized = NormalizeIdNumber(number);
    if (!normalized.ok()) {
      // NormalizeIdNumber's reasons quote no digits; keep it that way.
      return row.Check(normalized.status());
    }
    if (ResidentId(keys.id_key, *normalized) != row.id()) {
      return row.Refuse(absl::StrCat("id_number: ", MaskIdNumber(*normalized),
                                     " is not the number this id derives "
                                     "from"));
    }
  } else if (derived_id && !row.OnlyDeletedFlag()) {
    // "r-<20 hex>" is a number's id: the row is created with its number
    // and never loses it.
    bool creates = false;
    if (stored == nullptr) {
      ASSIGN_OR_RETURN(bool exists, row.Exists());
      creates = !exists;
    }
    if (stored != nullptr || creates) {
      return row.Refuse(
          "id_number: required (the id derives from the ID-card number; "
          "an ID-less resident has a random id)");
    }
  }
  RETURN_IF_ERROR(CheckRequired(row, "name"));
  RETURN_IF_ERROR(CheckText(row, "phone", ValidPhone));
  RETURN_IF_ERROR(CheckText(row, "control", ValidControl));
  RETURN_IF_ERROR(CheckDate(row, "control_start"));
  return CheckDate(row, "control_end");
}

absl::Status NotOfficeScope(const RowUnderCheck& row) {
  if (row.scope() == kSubdistrict) {
    return row.Refuse(absl::StrCat("scope: ", row.change().table(),
                                   " belong to a community, not ",
                                   kSubdistrict));
  }
  return absl::OkStatus();
}

absl::Status CheckTemp(const RowUnderCheck& row) {
  if (const Value* temp = row.Written("temp"))
    return row.Check(CheckTemperature(temp->real_value()));
  return absl::OkStatus();
}

absl::Status Passages(const ReplicatedRowKeys&, RowUnderCheck& row) {
  RETURN_IF_ERROR(NotOfficeScope(row));
  RETURN_IF_ERROR(CheckTemp(row));
  RETURN_IF_ERROR(CheckText(row, "direction", CheckDirection));
  if (const Value* decision = row.Written("decision")) {
    const std::string& d = decision->text_value();
    if (d != "ALLOW" && d != "FEVER" && d != "DENY" && d != "UNKNOWN") {
      return row.Refuse(absl::StrCat(
          "decision: \"", d, "\" is not ALLOW, FEVER, DENY or UNKNOWN"));
    }
    // A fever is decided first, whoever it is (DecidePassage).
    const Value* temp = row.Written("temp");
    if (temp != nullptr && temp->real_value() >= kFeverC && d != "FEVER") {
      return row.Refuse(absl::StrCat("decision: ", d, " for a temperature of ",
                                     temp->real_value(), " C (FEVER from ",
                                     kFeverC, " C)"));
    }
  }
  return absl::OkStatus();
}

absl::Status HealthChecks(const ReplicatedRowKeys&, RowUnderCheck& row) {
  RETURN_IF_ERROR(NotOfficeScope(row));
  return CheckTemp(row);
}

absl::Status CareVisits(const ReplicatedRowKeys&, RowUnderCheck& row) {
  RETURN_IF_ERROR(NotOfficeScope(row));
  return CheckText(row, "mode", ValidCareMode);
}

absl::Status IncidentActions(const ReplicatedRowKeys&, RowUnderCheck& row) {
  return NotOfficeScope(row);
}

absl::Status SupplyMovements(const ReplicatedRowKeys&, RowUnderCheck& row) {
  // The warehouse's ledger rows are central's own, and only they are.
  const Value* location = row.Written("location");
  const bool warehouse =
      location != nullptr && location->text_value() == kWarehouse;
  if (warehouse != (row.scope() == kSubdistrict)) {
    return row.Refuse(absl::StrCat(
        "location: \"", TextOf(location), "\" in scope \"", row.scope(), "\" (",
        kWarehouse, " is in scope ", kSubdistrict, " and nothing else is)"));
  }
  if (const Value* item = row.Written("item")) {
    absl::Status known = FindSupplyItem("item", item->text_value()).status();
    if (!known.ok()) return row.Refuse(known.message());
  }
  const std::string& kind = TextOf(row.Written("kind"));
  const bool receipt = kind == "procurement" || kind == "donation";
  if (row.Written("kind") != nullptr && !receipt && kind != "issue" &&
      kind != "transfer") {
    return row.Refuse(
        absl::StrCat("kind: \"", kind,
                     "\" is not procurement, donation, issue or transfer"));
  }
  if (kind == "donation") {
    RETURN_IF_ERROR(row.Check(Required("donor", TextOf(row.Written("donor")))));
  }
  if (const Value* qty = row.Written("qty")) {
    // Receipts add stock; an issue or transfer is a pair, minus at the
    // source and plus at the destination.
    int64_t magnitude = qty->int_value();
    if (!receipt && magnitude < 0) {
      magnitude = magnitude == std::numeric_limits<int64_t>::min()
                      ? std::numeric_limits<int64_t>::max()
                      : -magnitude;
    }
    RETURN_IF_ERROR(row.Check(PositiveQuantity("qty", magnitude)));
  }
  return absl::OkStatus();
}

absl::Status Alerts(const ReplicatedRowKeys&, RowUnderCheck& row) {
  if (row.scope() != kSubdistrict || row.OnlyDeletedFlag())
    return absl::OkStatus();
  // Central raises one kind of alert of its own: the warehouse's stock.
  ASSIGN_OR_RETURN(const Value* kind, row.After("kind"));
  if (TextOf(kind) != "negative_balance") {
    return row.Refuse(absl::StrCat("kind: \"", TextOf(kind),
                                   "\" alerts belong to a community, not ",
                                   kSubdistrict));
  }
  return absl::OkStatus();
}

absl::Status DailyReports(const ReplicatedRowKeys&, RowUnderCheck& row) {
  RETURN_IF_ERROR(CommunityIsScope(row));
  RETURN_IF_ERROR(CheckDate(row, "date"));
  for (const char* count :
       {"passages", "fevers", "denials", "key_under_control",
        "new_registrations", "alerts_opened", "alerts_handled",
        "services_delivered"}) {
    const Value* v = row.Written(count);
    if (v != nullptr && v->int_value() < 0) {
      return row.Refuse(
          absl::StrCat(count, ": ", v->int_value(), " is negative"));
    }
  }
  if (row.OnlyDeletedFlag()) return absl::OkStatus();
  // Every report's id is ReportId(community, date): completeness counts
  // rows by their community and date.
  if (row.Written("community") == nullptr && row.Written("date") == nullptr) {
    ASSIGN_OR_RETURN(bool exists, row.Exists());
    if (exists) return absl::OkStatus();  // an update of the figures
  }
  ASSIGN_OR_RETURN(const Value* community, row.After("community"));
  ASSIGN_OR_RETURN(const Value* date, row.After("date"));
  if (TextOf(community).empty() || TextOf(date).empty()) {
    return row.Refuse("community, date: required (the id derives from both)");
  }
  const std::string derived = ReportId(TextOf(community), TextOf(date));
  if (derived != row.id()) {
    return row.Refuse(absl::StrCat("community, date: the report of ",
                                   TextOf(community), " on ", TextOf(date),
                                   " is ", derived, ", not this row"));
  }
  return absl::OkStatus();
}

absl::Status ServiceRequests(const ReplicatedRowKeys&, RowUnderCheck& row) {
  RETURN_IF_ERROR(CommunityIsScope(row));
  return CheckText(row, "kind", ValidServiceKind);
}

absl::Status Incidents(const ReplicatedRowKeys&, RowUnderCheck& row) {
  RETURN_IF_ERROR(CommunityIsScope(row));
  return CheckText(row, "kind", ValidIncidentKind);
}

absl::Status Enterprises(const ReplicatedRowKeys&, RowUnderCheck& row) {
  RETURN_IF_ERROR(CommunityIsScope(row));
  if (row.id() == kWarehouse) {
    return row.Refuse(
        absl::StrCat("id: \"", kWarehouse, "\" is reserved (a location)"));
  }
  RETURN_IF_ERROR(CheckRequired(row, "name"));
  if (const Value* employees = row.Written("employees"))
    return row.Check(ValidEmployees(employees->int_value()));
  return absl::OkStatus();
}

absl::Status PartyBranches(const ReplicatedRowKeys&, RowUnderCheck& row) {
  RETURN_IF_ERROR(CommunityIsScope(row));
  return CheckRequired(row, "name");
}

absl::Status SysAudit(const ReplicatedRowKeys&, RowUnderCheck&) {
  return absl::OkStatus();  // any scope: AuditScopeFor
}

using Rule = absl::Status (*)(const ReplicatedRowKeys&, RowUnderCheck&);

// Tables of OutpostSchema(); the engine's own (sys_resolutions) and any
// other table have no domain rule.
const absl::flat_hash_map<absl::string_view, Rule>& Rules() {
  static const auto* const kRules =
      new absl::flat_hash_map<absl::string_view, Rule>({
          {"communities", Communities},
          {"staff", Staff},
          {"compounds", Compounds},
          {"checkpoints", Checkpoints},
          {"households", Households},
          {"residents", Residents},
          {"passages", Passages},
          {"health_checks", HealthChecks},
          {"supply_movements", SupplyMovements},
          {"alerts", Alerts},
          {"sys_audit", SysAudit},
          {"daily_reports", DailyReports},
          {"service_requests", ServiceRequests},
          {"care_visits", CareVisits},
          {"incidents", Incidents},
          {"incident_actions", IncidentActions},
          {"enterprises", Enterprises},
          {"party_branches", PartyBranches},
      });
  return *kRules;
}

}  // namespace

absl::Status CheckReplicatedRow(const ReplicatedRowKeys& keys,
                                const Change& change,
                                sync::RowValuesReader current) {
  auto it = Rules().find(change.table());
  if (it == Rules().end()) return absl::OkStatus();
  RowUnderCheck row(change, current);
  return it->second(keys, row);
}

sync::RemoteRowCheck ReplicatedRowCheck(ReplicatedRowKeys keys) {
  auto shared = std::make_shared<const ReplicatedRowKeys>(std::move(keys));
  return [shared](const Change& change, sync::RowValuesReader current) {
    return CheckReplicatedRow(*shared, change, current);
  };
}

}  // namespace outpost::server
