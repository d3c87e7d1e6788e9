#include "server/id_card.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace outpost::server {
namespace {

constexpr int kWeights[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                              3, 7, 9,  10, 5, 8, 4, 2};
constexpr char kCheck[] = "10X98765432";

// Province-level division codes (first two digits) in GB/T 2260.
bool KnownProvince(int code) {
  switch (code) {
    case 11:
    case 12:
    case 13:
    case 14:
    case 15:
    case 21:
    case 22:
    case 23:
    case 31:
    case 32:
    case 33:
    case 34:
    case 35:
    case 36:
    case 37:
    case 41:
    case 42:
    case 43:
    case 44:
    case 45:
    case 46:
    case 50:
    case 51:
    case 52:
    case 53:
    case 54:
    case 61:
    case 62:
    case 63:
    case 64:
    case 65:
    case 71:
    case 81:
    case 82:
    case 83:
    case 91:
      return true;
    default:
      return false;
  }
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

char IdCheckCharacter(absl::string_view first17) {
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheck[sum % 11];
}

absl::StatusOr<std::string> NormalizeIdNumber(absl::string_view input,
                                              absl::Time now) {
  std::string id(absl::StripAsciiWhitespace(input));
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("id_number \"", id, "\": ", why));
  };
  if (id.size() != 18) {
    return bad(absl::StrCat("must be 18 characters, not ", id.size()));
  }
  if (id[17] == 'x') id[17] = 'X';
  for (int i = 0; i < 17; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(id[i]))) {
      return bad(absl::StrCat("character ", i + 1, " must be a digit"));
    }
  }
  if (!absl::ascii_isdigit(static_cast<unsigned char>(id[17])) &&
      id[17] != 'X') {
    return bad("the last character must be a digit or X");
  }
  int province = 0, year = 0, month = 0, day = 0;
  (void)absl::SimpleAtoi(id.substr(0, 2), &province);
  (void)absl::SimpleAtoi(id.substr(6, 4), &year);
  (void)absl::SimpleAtoi(id.substr(10, 2), &month);
  (void)absl::SimpleAtoi(id.substr(12, 2), &day);
  if (!KnownProvince(province)) {
    return bad(
        absl::StrCat("region code ", id.substr(0, 6), " names no province"));
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  const bool date_ok =
      month >= 1 && month <= 12 && day >= 1 &&
      day <= kDays[month - 1] + (month == 2 && IsLeap(year) ? 1 : 0);
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  const absl::CivilDay born(year, month, day);
  if (!date_ok || year < 1900 || born > today) {
    return bad(absl::StrCat("birth date ", id.substr(6, 8),
                            " is not a real past date"));
  }
  const char expected = IdCheckCharacter(id);
  if (id[17] != expected) {
    return bad(absl::StrCat("check character is ", std::string(1, id[17]),
                            ", expected ", std::string(1, expected),
                            " (a digit mistyped?)"));
  }
  return id;
}

std::string MaskIdNumber(absl::string_view id_number) {
  if (id_number.size() != 18) return std::string(id_number.size(), '*');
  return absl::StrCat(id_number.substr(0, 6), "********", id_number.substr(14));
}

}  // namespace outpost::server
