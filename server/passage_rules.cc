#include "server/passage_rules.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace outpost::server {

absl::Status CheckTemperature(double temp_c) {
  if (!std::isfinite(temp_c) || temp_c < kMinTempC || temp_c > kMaxTempC) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "temp: %.1f is outside %.1f-%.1f C (a misread thermometer?)", temp_c,
        kMinTempC, kMaxTempC));
  }
  return absl::OkStatus();
}

absl::Status CheckDirection(absl::string_view direction) {
  if (direction != "in" && direction != "out") {
    return absl::InvalidArgumentError(
        absl::StrCat("direction: must be in or out, not \"", direction, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<PassageDecision> DecidePassage(double temp_c,
                                              absl::string_view direction,
                                              bool registered,
                                              absl::string_view control) {
  absl::Status temp = CheckTemperature(temp_c);
  if (!temp.ok()) return temp;
  absl::Status in_or_out = CheckDirection(direction);
  if (!in_or_out.ok()) return in_or_out;
  // A fever matters most, whoever it is: it is checked first.
  if (temp_c >= kFeverC) {
    return PassageDecision{
        "FEVER", "fever", absl::StrFormat("%.1f C >= %.1f C", temp_c, kFeverC)};
  }
  if (!registered)
    return PassageDecision{"UNKNOWN", "", "not in the registry: visitor"};
  if (direction == "out" &&
      (control == "home_quarantine" || control == "centralized_quarantine")) {
    return PassageDecision{"DENY", "quarantine_exit",
                           absl::StrCat("under ", control, ", going out")};
  }
  return PassageDecision{"ALLOW", "", ""};
}

}  // namespace outpost::server
