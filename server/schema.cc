#include "server/schema.h"

#include <cstdlib>

#include "sync/logging.h"

namespace outpost::server {

using sync::FieldType;
using sync::MergePolicy;
using sync::TableDef;

sync::Schema OutpostSchema() {
  sync::Schema schema;
  auto add = [&schema](TableDef table) {
    absl::Status status = schema.AddTable(std::move(table));
    if (!status.ok()) {
      OUTPOST_LOG(ERROR) << "built-in schema is invalid: " << status;
      std::abort();
    }
  };
  add({"communities",
       MergePolicy::kRegister,
       {{"name", FieldType::kText}, {"active", FieldType::kBool}},
       "",
       {}});
  add({"staff",
       MergePolicy::kRegister,
       {{"name", FieldType::kText},
        {"phone", FieldType::kText},
        {"role", FieldType::kText},
        {"checkpoint", FieldType::kText},
        {"shift", FieldType::kText},
        {"community", FieldType::kText}},
       "",
       {}});
  add({"compounds",
       MergePolicy::kRegister,
       {{"community", FieldType::kText},
        {"name", FieldType::kText},
        {"kind", FieldType::kText},
        {"closed_since", FieldType::kText}},
       "",
       {}});
  add({"checkpoints",
       MergePolicy::kRegister,
       {{"compound", FieldType::kText},
        {"name", FieldType::kText},
        {"active", FieldType::kBool},
        {"community", FieldType::kText}},
       "",
       {}});
  add({"households",
       MergePolicy::kRegister,
       {{"community", FieldType::kText},
        {"compound", FieldType::kText},
        {"building", FieldType::kText},
        {"unit", FieldType::kText},
        {"room", FieldType::kText}},
       "",
       {}});
  add({"residents",
       MergePolicy::kRegister,
       {{"name", FieldType::kText},
        {"id_number", FieldType::kText},
        {"phone", FieldType::kText},
        {"household", FieldType::kText},
        {"key_category", FieldType::kText},
        {"control", FieldType::kText},
        {"control_start", FieldType::kText},
        {"control_end", FieldType::kText},
        {"special_care", FieldType::kText}},
       "",
       {}});
  add({"passages",
       MergePolicy::kAppendOnly,
       {{"checkpoint", FieldType::kText},
        {"resident", FieldType::kText},
        {"id_masked", FieldType::kText},
        {"visitor_name", FieldType::kText},
        {"direction", FieldType::kText},
        {"temp", FieldType::kReal},
        {"decision", FieldType::kText},
        {"staff", FieldType::kText},
        {"at_ms", FieldType::kInt}},
       "",
       {}});
  add({"health_checks",
       MergePolicy::kAppendOnly,
       {{"resident", FieldType::kText},
        {"temp", FieldType::kReal},
        {"symptoms", FieldType::kText},
        {"actor", FieldType::kText},
        {"at_ms", FieldType::kInt}},
       "",
       {}});
  add({"supply_movements",
       MergePolicy::kLedger,
       {{"item", FieldType::kText},
        {"location", FieldType::kText},
        {"qty", FieldType::kInt},
        {"kind", FieldType::kText},
        // Consolidation (issue 5): who gave it, the other end of a transfer.
        {"donor", FieldType::kText},
        {"batch", FieldType::kText},
        {"counterpart", FieldType::kText},
        {"actor", FieldType::kText},
        {"at_ms", FieldType::kInt}},
       "qty",
       {"item", "location"}});
  add({"alerts",
       MergePolicy::kStateMachine,
       {{"status",
         FieldType::kText,
         {"open", "acknowledged", "handled", "closed"}},
        {"kind", FieldType::kText},
        {"subject", FieldType::kText},
        {"note", FieldType::kText},
        {"actor", FieldType::kText}},
       "",
       {}});
  // Operator actions other than conflict resolutions (those are in the
  // engine's sys_resolutions): quarantine retry/discard, repair. Written in
  // the same transaction as the action; see server/operator_service.h.
  add({"sys_audit",
       MergePolicy::kAppendOnly,
       {{"action", FieldType::kText},
        {"target", FieldType::kText},
        {"detail", FieldType::kText},
        {"reason", FieldType::kText},
        {"author", FieldType::kText},
        {"node", FieldType::kText},
        {"at_ms", FieldType::kInt}},
       "",
       {}});
  // ---- Consolidation (server/consolidation_service.h) ----
  // One row per (community, date): id "rpt-<community>-<date>".
  add({"daily_reports",
       MergePolicy::kRegister,
       {{"community", FieldType::kText},
        {"date", FieldType::kText},
        {"zero", FieldType::kBool},
        {"passages", FieldType::kInt},
        {"fevers", FieldType::kInt},
        {"denials", FieldType::kInt},
        {"key_under_control", FieldType::kInt},
        {"new_registrations", FieldType::kInt},
        {"alerts_opened", FieldType::kInt},
        {"alerts_handled", FieldType::kInt},
        {"services_delivered", FieldType::kInt},
        {"actor", FieldType::kText},
        {"submitted_ms", FieldType::kInt},
        {"note", FieldType::kText}},
       "",
       {}});
  add({"service_requests",
       MergePolicy::kStateMachine,
       {{"status",
         FieldType::kText,
         {"requested", "accepted", "cancelled", "delivered"}},
        {"community", FieldType::kText},
        {"household", FieldType::kText},
        {"kind", FieldType::kText},
        {"detail", FieldType::kText},
        {"actor", FieldType::kText},
        {"requested_ms", FieldType::kInt},
        {"updated_ms", FieldType::kInt}},
       "",
       {}});
  add({"care_visits",
       MergePolicy::kAppendOnly,
       {{"resident", FieldType::kText},
        {"mode", FieldType::kText},
        {"note", FieldType::kText},
        {"actor", FieldType::kText},
        {"at_ms", FieldType::kInt}},
       "",
       {}});
  add({"incidents",
       MergePolicy::kStateMachine,
       {{"status", FieldType::kText, {"open", "responding", "closed"}},
        {"compound", FieldType::kText},
        {"community", FieldType::kText},
        {"kind", FieldType::kText},
        {"note", FieldType::kText},
        {"actor", FieldType::kText},
        {"opened_ms", FieldType::kInt}},
       "",
       {}});
  add({"incident_actions",
       MergePolicy::kAppendOnly,
       {{"incident", FieldType::kText},
        {"action", FieldType::kText},
        {"actor", FieldType::kText},
        {"at_ms", FieldType::kInt}},
       "",
       {}});
  add({"enterprises",
       MergePolicy::kStateMachine,
       {{"filing_status",
         FieldType::kText,
         {"applied", "reviewed", "approved", "reopened"}},
        {"name", FieldType::kText},
        {"community", FieldType::kText},
        {"employees", FieldType::kInt},
        {"actor", FieldType::kText}},
       "",
       {}});
  // Temporary party branches at compounds, with their party-member posts
  // (党员先锋岗: checkpoint ids, comma-separated).
  add({"party_branches",
       MergePolicy::kRegister,
       {{"name", FieldType::kText},
        {"compound", FieldType::kText},
        {"community", FieldType::kText},
        {"posts", FieldType::kText}},
       "",
       {}});
  return schema;
}

}  // namespace outpost::server
