// The checkpoint decision for one passage, as a pure function (unit-tested).
#ifndef OUTPOST_SERVER_PASSAGE_RULES_H_
#define OUTPOST_SERVER_PASSAGE_RULES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace outpost::server {

inline constexpr double kMinTempC = 34.0;
inline constexpr double kMaxTempC = 43.0;
inline constexpr double kFeverC = 37.3;

struct PassageDecision {
  std::string decision;    // ALLOW | FEVER | DENY | UNKNOWN
  std::string alert_kind;  // "" when no alert: fever | quarantine_exit
  std::string reason;
};

// INVALID_ARGUMENT naming "temp" unless 34.0 <= temp_c <= 43.0 (a reading
// outside is a misread thermometer, not a person).
absl::Status CheckTemperature(double temp_c);
// INVALID_ARGUMENT naming "direction" unless "in" or "out".
absl::Status CheckDirection(absl::string_view direction);

// INVALID_ARGUMENT (naming the field) for a temperature outside 34.0-43.0 C
// or a direction other than in/out. `registered` false means a visitor;
// `control` is the resident's control status.
absl::StatusOr<PassageDecision> DecidePassage(double temp_c,
                                              absl::string_view direction,
                                              bool registered,
                                              absl::string_view control);

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_PASSAGE_RULES_H_
