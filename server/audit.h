// The operator audit trail's `sys_audit` rows (server/schema.cc): append-only,
// replicated with their scope. Any service that performs an operator action
// (a quarantine retry or discard, a repair, a backward state move, ...) adds
// the row from AuditWrite to the same Store::WriteAll / transaction as the
// action, so the action and its record commit together or not at all.
// Conflict resolutions are recorded by the engine in `sys_resolutions`
// instead; `outpost audit` (Operator.Audit) lists both.
//
//   std::vector<sync::WriteRequest> writes = {action_write};
//   writes.push_back(AuditWrite(*store, {.scope = "yatai",
//       .action = "alert_reopen", .target = "alerts/a1", .detail = "closed ->
//       open", .reason = why, .author = who}));
//   ASSIGN_OR_RETURN(auto results, store->WriteAll(writes));
#ifndef OUTPOST_SERVER_AUDIT_H_
#define OUTPOST_SERVER_AUDIT_H_

#include <string>

#include "sync/store.h"

namespace outpost::server {

inline constexpr char kAuditTable[] = "sys_audit";

struct AuditEntryInput {
  std::string scope;   // replicates to the nodes holding it
  std::string action;  // e.g. quarantine_discard, repair
  std::string target;  // what was acted on, in words
  std::string detail;  // what was done or chosen
  std::string reason;  // why (the operator's words)
  std::string author;  // who (from RequireOperator)
};

// A new sys_audit row (unique id: node, time, random) stamped with this
// node's id and the current time.
sync::WriteRequest AuditWrite(const sync::Store& store,
                              const AuditEntryInput& entry);

// The scope for an audit row about something in `scope`: that scope when
// this node holds it, else this node's own (its single scope, or its id at a
// node holding all scopes).
std::string AuditScopeFor(const sync::Store& store, const std::string& scope);

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_AUDIT_H_
