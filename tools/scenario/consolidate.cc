#include "tools/scenario/consolidate.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/scenario/office.h"
#include "tools/scenario/plan.h"

namespace outpost::scenario {
namespace {

namespace pb = outpost::v1;

struct Label {
  const char* field;
  const char* label;
};

// Bilingual labels, in the order shown.
constexpr Label kLabels[] = {
    {"communities", "社区 communities"},
    {"compounds", "小区 compounds"},
    {"closed_compounds", "封闭小区 closed compounds"},
    {"public_rental_compounds", "公租房小区 public-rental compounds"},
    {"checkpoints", "卡口 checkpoints"},
    {"staff", "值守人员 duty staff"},
    {"households", "户 households"},
    {"residents", "居民 residents"},
    {"quarantined_households", "居家隔离户 quarantined households"},
    {"home_quarantine", "居家隔离 home quarantine"},
    {"centralized_quarantine", "集中隔离 centralized quarantine"},
    {"passages", "出入登记 passages"},
    {"passage_fevers", "发热 fevers at gates"},
    {"denials", "劝返 quarantine exits refused"},
    {"health_checks", "健康监测 health checks"},
    {"health_fevers", "监测发热 fevers at checks"},
    {"alerts", "预警 alerts"},
    {"conflicts", "冲突 open conflicts"},
};

int64_t Get(const Counts& c, const std::string& field) {
  const auto* f = Counts::descriptor()->FindFieldByName(field);
  return Counts::GetReflection()->GetInt64(c, f);
}

void Inc(Counts& c, const std::string& field, int64_t by = 1) {
  const auto* f = Counts::descriptor()->FindFieldByName(field);
  Counts::GetReflection()->SetInt64(&c, f, Get(c, field) + by);
}

// Display width: CJK characters count as two columns.
int Width(absl::string_view s) {
  int w = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char ch = static_cast<unsigned char>(s[i]);
    const int len = ch < 0x80 ? 1 : ch < 0xE0 ? 2 : ch < 0xF0 ? 3 : 4;
    w += len >= 3 ? 2 : 1;
    i += len;
  }
  return w;
}

std::string Pad(absl::string_view s, int width) {
  return absl::StrCat(s, std::string(std::max(0, width - Width(s)), ' '));
}

std::string PadLeft(absl::string_view s, int width) {
  return absl::StrCat(std::string(std::max(0, width - Width(s)), ' '), s);
}

}  // namespace

const std::vector<std::string>& ObservableFields() {
  static const auto* v = [] {
    auto* out = new std::vector<std::string>();
    for (const Label& l : kLabels) out->push_back(l.field);
    return out;
  }();
  return *v;
}

absl::StatusOr<std::map<std::string, Counts>> ReadCentralCounts(
    client::Client& node) {
  std::map<std::string, Counts> out;
  absl::StatusOr<pb::DigestsResponse> digests = node.Digests();
  if (!digests.ok()) return digests.status();
  static const std::map<std::string, std::string> kTableField = {
      {"communities", "communities"},
      {"checkpoints", "checkpoints"},
      {"households", "households"},
      {"residents", "residents"},
      {"passages", "passages"},
      {"health_checks", "health_checks"},
      {"alerts", "alerts"}};
  for (const pb::TableDigest& d : digests->digests()) {
    auto it = kTableField.find(d.table());
    if (it == kTableField.end() || d.scope().empty()) continue;
    Inc(out[d.scope()], it->second, d.rows());
  }
  // Duty staff: the checkpoint roles (the cadres and the office's own people
  // are staff rows too).
  absl::StatusOr<pb::ListStaffResponse> staff =
      node.ListStaff(pb::ListStaffRequest());
  if (!staff.ok()) return staff.status();
  for (const pb::Staff& s : staff->staff()) {
    if (!s.checkpoint().empty() &&
        (s.role() == "duty" || s.role() == "volunteer" ||
         s.role() == "police" || s.role() == "medic" ||
         s.role() == "party_member"))
      Inc(out[s.community()], "staff");
  }
  absl::StatusOr<pb::ListCompoundsResponse> compounds =
      node.ListCompounds(pb::ListCompoundsRequest());
  if (!compounds.ok()) return compounds.status();
  for (const pb::Compound& c : compounds->compounds()) {
    Counts& n = out[c.community()];
    Inc(n, "compounds");
    Inc(n, c.kind() == "public_rental" ? "public_rental_compounds"
                                       : "closed_compounds");
  }
  for (const char* control : {"home_quarantine", "centralized_quarantine"}) {
    pb::ListResidentsRequest request;
    request.set_control(control);
    absl::StatusOr<pb::ResidentsResponse> residents =
        node.ListResidents(request);
    if (!residents.ok()) return residents.status();
    std::set<std::string> households;
    for (const pb::Resident& r : residents->residents()) {
      Inc(out[r.community()], control);
      if (std::string(control) == "home_quarantine" &&
          households.insert(r.household_id()).second)
        Inc(out[r.community()], "quarantined_households");
    }
  }
  absl::StatusOr<pb::ListAlertsResponse> alerts =
      node.ListAlerts(pb::ListAlertsRequest());
  if (!alerts.ok()) return alerts.status();
  for (const pb::Alert& a : alerts->alerts()) {
    Counts& n = out[a.community()];
    // Passage alerts are "al-p...", health-check alerts "al-h..."
    // (server/community_service.cc).
    if (a.kind() == "fever" && absl::StartsWith(a.id(), "al-p"))
      Inc(n, "passage_fevers");
    if (a.kind() == "fever" && absl::StartsWith(a.id(), "al-h"))
      Inc(n, "health_fevers");
    if (a.kind() == "quarantine_exit") Inc(n, "denials");
  }
  absl::StatusOr<pb::ConflictsResponse> conflicts =
      node.Conflicts(pb::ConflictsRequest());
  if (!conflicts.ok()) return conflicts.status();
  for (const pb::ConflictView& c : conflicts->conflicts())
    Inc(out[c.scope()], "conflicts");
  return out;
}

std::vector<std::string> CompareWithTruth(
    const GroundTruth& truth, const std::map<std::string, Counts>& central) {
  std::vector<std::string> out;
  Counts total;
  std::set<std::string> known;
  for (const CommunityTruth& c : truth.communities()) {
    known.insert(c.id());
    auto it = central.find(c.id());
    const Counts got = it == central.end() ? Counts() : it->second;
    AddCounts(got, &total);
    for (const std::string& d : DiffCounts(c.counts(), got, ObservableFields()))
      out.push_back(absl::StrCat(c.id(), ": ", d));
  }
  for (const auto& [id, counts] : central) {
    if (!known.count(id)) out.push_back(absl::StrCat(id, ": not in the truth"));
  }
  for (const std::string& d :
       DiffCounts(truth.total(), total, ObservableFields()))
    out.push_back(absl::StrCat("total: ", d));
  return out;
}

std::string FormatTotals(const GroundTruth& truth,
                         const std::map<std::string, Counts>& central) {
  Counts total;
  for (const auto& [id, counts] : central) AddCounts(counts, &total);
  std::string out =
      absl::StrCat(Pad("项目 item", 38), PadLeft("中心 central", 13),
                   PadLeft("真值 truth", 13), "\n");
  for (const Label& l : kLabels) {
    const int64_t got = Get(total, l.field);
    const int64_t want = Get(truth.total(), l.field);
    absl::StrAppend(&out, Pad(l.label, 38), PadLeft(absl::StrCat(got), 13),
                    PadLeft(absl::StrCat(want), 13),
                    got == want ? "" : "   <-- 不一致 differs", "\n");
  }
  return out;
}

std::string FormatReference(const GroundTruth& truth) {
  const ReferenceCounts& r = truth.reference();
  std::string out;
  auto line = [&](absl::string_view label, int64_t value) {
    absl::StrAppend(&out, Pad(label, 56), PadLeft(absl::StrCat(value), 10),
                    "\n");
  };
  const Counts& t = truth.total();
  line("服务请求 service requests (quarantined households)",
       t.service_requests());
  line("日报 daily reports", t.daily_reports());
  line("零报告 zero reports", t.zero_reports());
  line("社区书记和主任 community secretaries+directors", r.community_cadres());
  line("街道领导 office leaders", r.office_leaders());
  line("街道一线干部 office staff at the front line", r.office_staff());
  // In the reference's order (the map's own order is by bytes).
  for (const SupplyFigure& s : ReferenceSupplies()) {
    const std::string key = absl::StrCat(s.item, " (", s.unit, ")");
    auto it = r.supplies_issued().find(key);
    line(absl::StrCat("发放 issued: ", key),
         it == r.supplies_issued().end() ? 0 : it->second);
  }
  line("捐赠批次 donation batches", r.donation_batches());
  line("复工企业 reopened enterprises", r.enterprises());
  line("企业员工 enterprise employees", r.enterprise_employees());
  line("发放企业口罩 masks given to enterprises", r.enterprise_masks());
  line("临时党支部 temporary party branches", r.party_branches());
  line("党员先锋岗 party-member posts", r.party_posts());
  line("应急处置 emergency responses", r.emergency_responses());
  return out;
}

}  // namespace outpost::scenario
