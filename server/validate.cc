#include "server/validate.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <xxhash.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"

namespace outpost::server {

absl::Status Required(absl::string_view field, absl::string_view value) {
  if (absl::StripAsciiWhitespace(value).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  return absl::OkStatus();
}

absl::Status ValidDate(absl::string_view field, absl::string_view value) {
  absl::CivilDay day;
  if (!value.empty() && !absl::ParseCivilTime(value, &day)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", value, "\" is not a date YYYY-MM-DD"));
  }
  return absl::OkStatus();
}

absl::Status ValidPhone(absl::string_view phone) {
  if (phone.empty()) return absl::OkStatus();
  const size_t start = phone[0] == '+' ? 1 : 0;
  const bool digits =
      std::all_of(phone.begin() + start, phone.end(), [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-';
      });
  if (!digits || phone.size() < 7 || phone.size() > 20) {
    return absl::InvalidArgumentError(absl::StrCat(
        "phone: \"", phone, "\" is not a phone number (7-20 digits)"));
  }
  return absl::OkStatus();
}

absl::Status ValidControl(absl::string_view control) {
  if (control != "none" && control != "home_quarantine" &&
      control != "centralized_quarantine" && control != "released") {
    return absl::InvalidArgumentError(
        absl::StrCat("control: \"", control,
                     "\" is not none, home_quarantine, "
                     "centralized_quarantine or released"));
  }
  return absl::OkStatus();
}

absl::Status ValidCompoundKind(absl::string_view kind) {
  if (kind != "commodity_housing" && kind != "village_to_residence" &&
      kind != "public_rental" && kind != "unmanaged") {
    return absl::InvalidArgumentError(
        absl::StrCat("kind: \"", kind,
                     "\" is not commodity_housing, village_to_residence, "
                     "public_rental or unmanaged"));
  }
  return absl::OkStatus();
}

absl::Status ValidShift(absl::string_view shift) {
  absl::CivilMinute from, to;
  const size_t dash = shift.find('-');
  if (dash == absl::string_view::npos ||
      !absl::ParseCivilTime(absl::StrCat("2020-01-01T", shift.substr(0, dash)),
                            &from) ||
      !absl::ParseCivilTime(absl::StrCat("2020-01-01T", shift.substr(dash + 1)),
                            &to)) {
    return absl::InvalidArgumentError(
        absl::StrCat("shift: \"", shift, "\" is not HH:MM-HH:MM"));
  }
  return absl::OkStatus();
}

absl::StatusOr<StaffPost> StaffRolePost(absl::string_view role) {
  for (absl::string_view gate :
       {"duty", "volunteer", "police", "medic", "party_member"}) {
    if (role == gate) return StaffPost::kCheckpoint;
  }
  if (role == "secretary" || role == "director") return StaffPost::kCommunity;
  if (role == "office_leader" || role == "office_staff")
    return StaffPost::kOffice;
  return absl::InvalidArgumentError(absl::StrCat(
      "role: \"", role,
      "\" is not duty, volunteer, police, medic, party_member, secretary, "
      "director, office_leader or office_staff"));
}

std::string HouseholdId(absl::string_view community, absl::string_view compound,
                        absl::string_view building, absl::string_view unit,
                        absl::string_view room) {
  const std::string address =
      absl::StrCat(community, "\x1f", compound, "\x1f", building, "\x1f", unit,
                   "\x1f", room);
  return absl::StrFormat("hh-%016x",
                         XXH3_64bits(address.data(), address.size()));
}

std::string ResidentId(absl::string_view id_key, absl::string_view id_number) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), id_key.data(), static_cast<int>(id_key.size()),
       reinterpret_cast<const unsigned char*>(id_number.data()),
       id_number.size(), mac, &len);
  std::string out = "r-";
  for (unsigned int i = 0; i < 10 && i < len; ++i)
    absl::StrAppendFormat(&out, "%02x", mac[i]);
  return out;
}

}  // namespace outpost::server
