// Input checks shared by the domain services and the importer. Each error is
// INVALID_ARGUMENT naming the field and the reason.
#ifndef OUTPOST_SERVER_VALIDATE_H_
#define OUTPOST_SERVER_VALIDATE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace outpost::server {

absl::Status Required(absl::string_view field, absl::string_view value);
// Empty or YYYY-MM-DD.
absl::Status ValidDate(absl::string_view field, absl::string_view value);
// Empty, or 7-20 characters of digits and '-', an optional leading '+'.
absl::Status ValidPhone(absl::string_view phone);
// A resident's control status: none, home_quarantine, centralized_quarantine
// or released.
absl::Status ValidControl(absl::string_view control);
// A compound's kind: commodity_housing, village_to_residence, public_rental
// or unmanaged.
absl::Status ValidCompoundKind(absl::string_view kind);
// A duty shift HH:MM-HH:MM (a night shift may end the next day: 20:00-08:00).
absl::Status ValidShift(absl::string_view shift);

// Where a staff member's role belongs: at a checkpoint (duty, volunteer,
// police, medic, party_member), to a community (secretary, director), or to
// the sub-district office (office_leader, office_staff; scope "subdistrict"
// unless posted at a checkpoint or a community). INVALID_ARGUMENT naming
// "role" otherwise.
enum class StaffPost { kCheckpoint, kCommunity, kOffice };
absl::StatusOr<StaffPost> StaffRolePost(absl::string_view role);

// Row ids that merge instead of duplicating (shared/DESIGN.md, identity):
// a household's derives from its address, a resident's from a keyed hash of
// the ID-card number (the key is the same on every node of a sub-district).
std::string HouseholdId(absl::string_view community, absl::string_view compound,
                        absl::string_view building, absl::string_view unit,
                        absl::string_view room);
std::string ResidentId(absl::string_view id_key, absl::string_view id_number);

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_VALIDATE_H_
