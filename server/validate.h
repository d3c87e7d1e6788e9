// Input checks shared by the domain services and the importer. Each error is
// INVALID_ARGUMENT naming the field and the reason.
#ifndef OUTPOST_SERVER_VALIDATE_H_
#define OUTPOST_SERVER_VALIDATE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace outpost::server {

absl::Status Required(absl::string_view field, absl::string_view value);
// Empty or YYYY-MM-DD.
absl::Status ValidDate(absl::string_view field, absl::string_view value);
// Empty, or 7-20 characters of digits and '-', an optional leading '+'.
absl::Status ValidPhone(absl::string_view phone);

// Row ids that merge instead of duplicating (shared/DESIGN.md, identity):
// a household's derives from its address, a resident's from a keyed hash of
// the ID-card number (the key is the same on every node of a sub-district).
std::string HouseholdId(absl::string_view community, absl::string_view compound,
                        absl::string_view building, absl::string_view unit,
                        absl::string_view room);
std::string ResidentId(absl::string_view id_key, absl::string_view id_number);

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_VALIDATE_H_
