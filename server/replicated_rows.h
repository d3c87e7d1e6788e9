// The domain's rules for a replicated row (sync::RemoteRowCheck): what a
// peer's change must satisfy before this node applies it, beyond the
// engine's own checks (origin, scope held, schema, types).
//
//   store_options.remote_row_check =
//       ReplicatedRowCheck({.id_key = options.id_key, .cipher = cipher});
//
// A peer holding a valid certificate for its own community can still send a
// row that lies about itself: a row in its scope under another community's
// deterministic id (a daily report "rpt-<other>-<date>", a household or
// resident id derived from someone else's address or ID-card number), or
// a row whose `community` field names another community. Applied, it would
// count the other community as reported and quarantine the genuine row when
// it arrives. The rules, per table of OutpostSchema():
//
// - Scope agrees with the row: a `community` field, when a change writes
//   it, equals the change's scope (the engine already refuses a change whose
//   scope differs from the existing row's, so a row cannot move either);
//   a communities row's scope is its own id; scope "subdistrict" (central's
//   own, kWarehouseScope) only for office staff without a community, warehouse
//   ledger rows, negative-balance alerts and the audit trail.
// - Deterministic ids match what they derive from: daily reports
//   ReportId(community, date); households "hh-<16 hex>" HouseholdId(address);
//   residents ResidentId(id_key, number) whenever the row carries an
//   id_number. An id of a derived form ("rpt-", "hh-<16 hex>",
//   "r-<20 hex>") must be proved by the change that creates the row (the
//   fields it derives from are in it). Other ids (ID-less residents, rows
//   written by Admin.Put) are not in those namespaces and cannot squat them.
// - Values pass the checks a local write passes where the services share a
//   validator (server/validate.h, passage_rules.h, consolidation_rules.h,
//   id_card.h): only the fields the change writes are checked.
//
// Refusals are INVALID_ARGUMENT "<table> <row id>: <field>: <reason>"; the
// store quarantines the change. Errors reading the current row are returned
// as they are (the batch fails, as for any I/O error).
//
// Cost: no SQL for almost every change. The row's current values are read
// (through the lazy reader, one primary-key lookup) only when a derived-id
// row's change writes part of what the id derives from, or to tell a
// creation from an update of a derived-id row, or for a sub-district staff
// row whose role the change does not carry. Resident changes carrying an
// id_number decrypt it once (AES-GCM) and hash it once (HMAC-SHA256).
//
// What is not checked (needs other rows): that a checkpoint's, party
// branch's or incident's compound, a resident's household or a passage's
// checkpoint belongs to the row's community; that a ledger location other
// than the warehouse is held in the row's scope.
//
// Thread-safety: the returned function is immutable and may be called from
// any thread.
#ifndef OUTPOST_SERVER_REPLICATED_ROWS_H_
#define OUTPOST_SERVER_REPLICATED_ROWS_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "outpost/v1/sync.pb.h"
#include "server/id_cipher.h"
#include "sync/store.h"

namespace outpost::server {

struct ReplicatedRowKeys {
  // The sub-district's key for resident ids (ResidentId), as the node has it
  // (NodeOptions::id_key).
  std::string id_key;
  // Decrypts residents.id_number; null when numbers are stored in clear.
  std::shared_ptr<const IdCipher> cipher;
};

// The check to install as StoreOptions::remote_row_check.
sync::RemoteRowCheck ReplicatedRowCheck(ReplicatedRowKeys keys);

// The same check, called directly (tests).
absl::Status CheckReplicatedRow(const ReplicatedRowKeys& keys,
                                const outpost::v1::Change& change,
                                sync::RowValuesReader current);

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_REPLICATED_ROWS_H_
