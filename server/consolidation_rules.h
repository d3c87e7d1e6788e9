// Rules of the consolidation workflows as pure functions (no storage), so
// they are unit-tested on their own: the supply item catalog, quantities,
// state-machine moves, and report deadlines.
#ifndef OUTPOST_SERVER_CONSOLIDATION_RULES_H_
#define OUTPOST_SERVER_CONSOLIDATION_RULES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace outpost::server {

struct SupplyItemDef {
  const char* id;
  const char* name;
  const char* unit;
};

// The fixed catalog of the sub-district's supplies (ids are stable: they are
// ledger keys on every node).
const std::vector<SupplyItemDef>& SupplyCatalog();
// The item, or NOT_FOUND naming `field`.
absl::StatusOr<SupplyItemDef> FindSupplyItem(absl::string_view field,
                                             absl::string_view id);
// INVALID_ARGUMENT unless 0 < qty <= 10,000,000.
absl::Status PositiveQuantity(absl::string_view field, int64_t qty);

// Values of the consolidation workflows' rows, each INVALID_ARGUMENT naming
// the field: a service request's kind (purchase, delivery), a care visit's
// mode (phone, in_person), an incident's kind (confirmed, suspected), an
// enterprise's employees (0-1,000,000).
absl::Status ValidServiceKind(absl::string_view kind);
absl::Status ValidCareMode(absl::string_view mode);
absl::Status ValidIncidentKind(absl::string_view kind);
absl::Status ValidEmployees(int64_t employees);

// The sub-district warehouse: location id and the scope its ledger rows
// carry (held by central only, since central holds every scope).
inline constexpr char kWarehouse[] = "warehouse";
inline constexpr char kWarehouseScope[] = "subdistrict";

// Ordered states of the state-machine tables (as in server/schema.cc).
const std::vector<std::string>& ServiceStates();
const std::vector<std::string>& IncidentStates();
const std::vector<std::string>& FilingStates();

// Checks an operator's move from `from` to `to` among `states`: unknown
// states are INVALID_ARGUMENT naming `field`; staying or moving back is
// FAILED_PRECONDITION (a backward move is not an everyday action).
absl::Status CheckForward(absl::string_view field,
                          const std::vector<std::string>& states,
                          absl::string_view from, absl::string_view to);
// Service requests: as CheckForward, and a cancelled request is never
// delivered afterwards, and a delivered one is never cancelled.
absl::Status CheckServiceMove(absl::string_view from, absl::string_view to);

// The deadline for the daily report of `date` (YYYY-MM-DD): `hh_mm` (empty
// = "10:00") on the next day in `zone`. INVALID_ARGUMENT for bad input.
absl::StatusOr<absl::Time> ReportDeadline(absl::string_view date,
                                          absl::string_view hh_mm,
                                          absl::TimeZone zone);
// [start, end) of `date` in `zone`.
absl::StatusOr<std::pair<absl::Time, absl::Time>> DayWindow(
    absl::string_view date, absl::TimeZone zone);

struct ReportCompleteness {
  std::vector<std::string> reported, missing, late;
};
struct ReportSeen {
  std::string community;
  int64_t submitted_ms = 0;
};
// expected: the active communities; reports: what the node holds for the
// date. Reports of communities not expected are ignored; late = submitted
// after `deadline`.
ReportCompleteness ComputeCompleteness(const std::vector<std::string>& expected,
                                       const std::vector<ReportSeen>& reports,
                                       absl::Time deadline);

// The daily report row id: one row per (community, date).
std::string ReportId(absl::string_view community, absl::string_view date);

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_CONSOLIDATION_RULES_H_
