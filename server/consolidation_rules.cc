#include "server/consolidation_rules.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"

namespace outpost::server {

const std::vector<SupplyItemDef>& SupplyCatalog() {
  static const std::vector<SupplyItemDef> kCatalog = {
      {"mask", "口罩", "只"},
      {"protective_suit", "防护服", "套"},
      {"raincoat", "一次性雨衣", "件"},
      {"gloves", "手套", "副"},
      {"goggles", "护目镜", "副"},
      {"mercury_thermometer", "水银体温计", "支"},
      {"forehead_thermometer", "额温枪", "把"},
      {"sprayer", "喷壶", "个"},
      {"alcohol_bottle", "个人酒精瓶", "瓶"},
      {"alcohol", "消毒酒精", "瓶"},
      {"disinfectant_84", "84消毒液", "瓶"},
      {"effervescent_tablet", "泡腾片", "kg"},
      {"antiviral_liquid", "抗病毒口服液", "盒"},
      {"tcm_pack", "中药包", "包"},
  };
  return kCatalog;
}

absl::StatusOr<SupplyItemDef> FindSupplyItem(absl::string_view field,
                                             absl::string_view id) {
  for (const SupplyItemDef& item : SupplyCatalog()) {
    if (id == item.id) return item;
  }
  std::vector<std::string> ids;
  for (const SupplyItemDef& item : SupplyCatalog()) ids.push_back(item.id);
  return absl::NotFoundError(absl::StrCat(field, ": \"", id,
                                          "\" is not a known item (",
                                          absl::StrJoin(ids, ", "), ")"));
}

absl::Status ValidServiceKind(absl::string_view kind) {
  if (kind != "purchase" && kind != "delivery") {
    return absl::InvalidArgumentError(
        absl::StrCat("kind: \"", kind, "\" is not purchase or delivery"));
  }
  return absl::OkStatus();
}

absl::Status ValidCareMode(absl::string_view mode) {
  if (mode != "phone" && mode != "in_person") {
    return absl::InvalidArgumentError(
        absl::StrCat("mode: \"", mode, "\" is not phone or in_person"));
  }
  return absl::OkStatus();
}

absl::Status ValidIncidentKind(absl::string_view kind) {
  if (kind != "confirmed" && kind != "suspected") {
    return absl::InvalidArgumentError(
        absl::StrCat("kind: \"", kind, "\" is not confirmed or suspected"));
  }
  return absl::OkStatus();
}

absl::Status ValidEmployees(int64_t employees) {
  if (employees < 0 || employees > 1000000) {
    return absl::InvalidArgumentError(
        absl::StrCat("employees: ", employees, " is not 0-1000000"));
  }
  return absl::OkStatus();
}

absl::Status PositiveQuantity(absl::string_view field, int64_t qty) {
  if (qty <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be positive, not ", qty));
  }
  if (qty > 10000000) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", qty, " is more than 10,000,000"));
  }
  return absl::OkStatus();
}

const std::vector<std::string>& ServiceStates() {
  static const std::vector<std::string> k = {"requested", "accepted",
                                             "cancelled", "delivered"};
  return k;
}
const std::vector<std::string>& IncidentStates() {
  static const std::vector<std::string> k = {"open", "responding", "closed"};
  return k;
}
const std::vector<std::string>& FilingStates() {
  static const std::vector<std::string> k = {"applied", "reviewed", "approved",
                                             "reopened"};
  return k;
}

absl::Status CheckForward(absl::string_view field,
                          const std::vector<std::string>& states,
                          absl::string_view from, absl::string_view to) {
  auto rank = [&](absl::string_view s) {
    auto it = std::find(states.begin(), states.end(), s);
    return it == states.end() ? -1 : static_cast<int>(it - states.begin());
  };
  if (rank(to) < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": \"", to, "\" is not one of ", absl::StrJoin(states, ", ")));
  }
  if (rank(to) <= rank(from)) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": already ", from, "; cannot move to ", to,
        " (states only move forward: ", absl::StrJoin(states, " < "), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckServiceMove(absl::string_view from, absl::string_view to) {
  if (from == "cancelled" && to == "delivered") {
    return absl::FailedPreconditionError(
        "status: the request was cancelled; it cannot be delivered");
  }
  if (from == "delivered" && to == "cancelled") {
    return absl::FailedPreconditionError(
        "status: already delivered; it cannot be cancelled");
  }
  return CheckForward("status", ServiceStates(), from, to);
}

absl::StatusOr<std::pair<absl::Time, absl::Time>> DayWindow(
    absl::string_view date, absl::TimeZone zone) {
  absl::CivilDay day;
  if (date.size() != 10 || !absl::ParseCivilTime(date, &day)) {
    return absl::InvalidArgumentError(
        absl::StrCat("date: \"", date, "\" is not YYYY-MM-DD"));
  }
  return std::make_pair(absl::FromCivil(day, zone),
                        absl::FromCivil(day + 1, zone));
}

absl::StatusOr<absl::Time> ReportDeadline(absl::string_view date,
                                          absl::string_view hh_mm,
                                          absl::TimeZone zone) {
  absl::CivilDay day;
  if (date.size() != 10 || !absl::ParseCivilTime(date, &day)) {
    return absl::InvalidArgumentError(
        absl::StrCat("date: \"", date, "\" is not YYYY-MM-DD"));
  }
  const std::string time = hh_mm.empty() ? "10:00" : std::string(hh_mm);
  absl::CivilMinute minute;
  if (time.size() != 5 ||
      !absl::ParseCivilTime(absl::StrCat("2020-01-01T", time), &minute)) {
    return absl::InvalidArgumentError(
        absl::StrCat("deadline: \"", time, "\" is not HH:MM"));
  }
  const absl::CivilDay next = day + 1;
  return absl::FromCivil(
      absl::CivilMinute(next.year(), next.month(), next.day(), minute.hour(),
                        minute.minute()),
      zone);
}

ReportCompleteness ComputeCompleteness(const std::vector<std::string>& expected,
                                       const std::vector<ReportSeen>& reports,
                                       absl::Time deadline) {
  std::map<std::string, int64_t> seen;
  for (const ReportSeen& r : reports) seen[r.community] = r.submitted_ms;
  ReportCompleteness out;
  std::vector<std::string> sorted = expected;
  std::sort(sorted.begin(), sorted.end());
  for (const std::string& c : sorted) {
    auto it = seen.find(c);
    if (it == seen.end()) {
      out.missing.push_back(c);
      continue;
    }
    out.reported.push_back(c);
    if (it->second > absl::ToUnixMillis(deadline)) out.late.push_back(c);
  }
  return out;
}

std::string ReportId(absl::string_view community, absl::string_view date) {
  return absl::StrCat("rpt-", community, "-", date);
}

}  // namespace outpost::server
