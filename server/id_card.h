// Resident ID-card numbers (GB 11643-1999): validation, masking.
//
//   absl::Status s = ValidateIdNumber("11010519491231002X");   // OK
//   MaskIdNumber("410105199001011234") == "410105********1234"
//
// An 18-character number: a 6-digit region code whose first two digits name a
// real province-level division, a plausible birth date YYYYMMDD (1900-01-01 up
// to today), a 3-digit sequence, and the ISO 7064 MOD 11-2 check character
// (0-9 or X; a lower-case x is accepted and normalized).
#ifndef OUTPOST_SERVER_ID_CARD_H_
#define OUTPOST_SERVER_ID_CARD_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace outpost::server {

// The check character for the first 17 digits ('0'-'9' or 'X').
char IdCheckCharacter(absl::string_view first17);

// The normalized number (upper-case X, surrounding spaces trimmed), or
// INVALID_ARGUMENT naming the field ("id_number") and the reason.
absl::StatusOr<std::string> NormalizeIdNumber(absl::string_view input,
                                              absl::Time now = absl::Now());

// First 6 and last 4 characters kept, the 8 between starred.
std::string MaskIdNumber(absl::string_view id_number);

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_ID_CARD_H_
