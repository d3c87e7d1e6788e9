#include "tools/scenario/summary_check.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/scenario/office.h"

namespace outpost::scenario {
namespace {

namespace pb = outpost::v1;

// Display width: CJK characters count as two columns.
int Width(const std::string& s) {
  int w = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char ch = static_cast<unsigned char>(s[i]);
    const int len = ch < 0x80 ? 1 : ch < 0xE0 ? 2 : ch < 0xF0 ? 3 : 4;
    w += len >= 3 ? 2 : 1;
    i += len;
  }
  return w;
}

std::string Pad(const std::string& s, int width) {
  return s + std::string(std::max(0, width - Width(s)), ' ');
}

std::string PadLeft(const std::string& s, int width) {
  return std::string(std::max(0, width - Width(s)), ' ') + s;
}

std::string Thousands(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

int64_t Role(const pb::SummaryResponse& s, const std::string& role) {
  auto it = s.staff_by_role().find(role);
  return it == s.staff_by_role().end() ? 0 : it->second;
}

}  // namespace

const std::vector<std::string>& DutyRoles() {
  static const auto* v = new std::vector<std::string>{
      "duty", "volunteer", "police", "medic", "party_member"};
  return *v;
}

std::vector<FigureRow> SummaryFigures(const GroundTruth& truth,
                                      const pb::SummaryResponse& summary,
                                      const pb::CompletenessResponse& done) {
  const Counts& t = truth.total();
  const ReferenceCounts& r = truth.reference();
  pb::CommunitySummary total;
  int64_t communities = 0;
  for (const pb::CommunitySummary& c : summary.communities()) {
    if (c.community() == "*") {
      total = c;
    } else if (c.community() != "subdistrict") {
      ++communities;
    }
  }
  int64_t passages = 0, fevers = 0, denials = 0;
  for (const pb::DaySummary& d : summary.days()) {
    passages += d.passages();
    fevers += d.fevers();
    denials += d.denials();
  }
  int64_t duty = 0;
  for (const std::string& role : DutyRoles()) duty += Role(summary, role);
  std::vector<FigureRow> rows = {
      {"社区 communities", communities, t.communities(),
       Reference::kCommunities},
      {"小区 compounds (封闭 closed + 公租房 public rental)", total.compounds(),
       t.compounds(),
       Reference::kClosedCompounds + Reference::kPublicRentalCompounds},
      {"卡口 checkpoints", total.checkpoints(), t.checkpoints(),
       Reference::kCheckpoints},
      {"值守人员 duty staff", duty, t.staff(), Reference::kDutyStaff},
      {"户 households", total.households(), t.households(),
       Reference::kHouseholds},
      {"居民 residents", total.residents(), t.residents(),
       Reference::kResidents},
      {"社区书记和主任 community secretaries+directors",
       Role(summary, "secretary") + Role(summary, "director"),
       r.community_cadres(), Reference::kCommunityCadres},
      {"街道领导 office leaders", Role(summary, "office_leader"),
       r.office_leaders(), Reference::kOfficeLeaders},
      {"街道一线干部 office staff at the front line",
       Role(summary, "office_staff"), r.office_staff(),
       Reference::kOfficeStaff},
      {"重点人员在管 key persons under quarantine", total.key_under_control(),
       t.home_quarantine() + t.centralized_quarantine(), -1},
      {"出入登记 passages", passages, t.passages(), -1},
      {"发热 fevers at gates", fevers, t.passage_fevers(), -1},
      {"劝返 quarantine exits refused", denials, t.denials(), -1},
      {"未处理预警 open alerts", total.open_alerts(), t.alerts(), -1},
      {"服务请求 service requests", total.service_requests(),
       t.service_requests(), -1},
      {"关爱探访 care visits", total.care_visits(), t.care_visits(), -1},
      {"日报已报 daily reports filed today", done.reported_size(),
       t.communities(), -1},
      {"日报未报 daily reports missing today", done.missing_size(), 0, -1},
  };
  std::map<std::string, int64_t> issued;
  for (const pb::ItemIssued& i : summary.issued())
    issued[i.item()] = i.issued();
  for (const SupplyFigure& s : ReferenceSupplies()) {
    const std::string key = absl::StrCat(s.item, " (", s.unit, ")");
    auto it = r.supplies_issued().find(key);
    rows.push_back({absl::StrCat("发放 issued: ", key), issued[s.catalog],
                    it == r.supplies_issued().end() ? 0 : it->second,
                    s.quantity});
  }
  std::set<std::string> batches;
  for (const pb::DonationBatch& b : summary.donation_batches())
    batches.insert(absl::StrCat(b.donor(), "\x1f", b.batch()));
  const std::vector<FigureRow> work = {
      {"捐赠批次 donation batches", static_cast<int64_t>(batches.size()),
       r.donation_batches(), Reference::kDonationBatches},
      {"复工企业 reopened enterprises", total.enterprises_reopened(),
       r.enterprises(), Reference::kEnterprises},
      {"复工员工 their employees", total.reopened_employees(),
       r.enterprise_employees(), Reference::kEnterpriseEmployees},
      {"发放企业口罩 masks given to enterprises", total.enterprise_masks(),
       r.enterprise_masks(), Reference::kEnterpriseMasks},
      {"应急处置 emergency responses", total.incidents(),
       r.emergency_responses(), Reference::kEmergencyResponses},
      {"临时党支部 temporary party branches", total.party_branches(),
       r.party_branches(), Reference::kPartyBranches},
      {"党员先锋岗 party-member posts", total.party_posts(), r.party_posts(),
       Reference::kPartyPosts},
  };
  rows.insert(rows.end(), work.begin(), work.end());
  return rows;
}

std::vector<std::string> FigureDifferences(const std::vector<FigureRow>& rows,
                                           bool full_office) {
  std::vector<std::string> out;
  for (const FigureRow& row : rows) {
    if (row.central != row.truth) {
      out.push_back(absl::StrCat("summary: ", row.label, ": central ",
                                 row.central, ", truth ", row.truth));
    }
    if (full_office && row.reference >= 0 && row.truth != row.reference) {
      out.push_back(absl::StrCat("summary: ", row.label, ": truth ", row.truth,
                                 ", reference ", row.reference));
    }
  }
  return out;
}

std::string FormatFigures(const std::vector<FigureRow>& rows) {
  constexpr int kLabel = 54, kNumber = 12;
  std::string out =
      absl::StrCat(Pad("项目 figure", kLabel), PadLeft("中心 central", kNumber),
                   PadLeft("真值 truth", kNumber),
                   PadLeft("参考 reference", kNumber + 4), "\n");
  for (const FigureRow& row : rows) {
    absl::StrAppend(
        &out, Pad(row.label, kLabel), PadLeft(Thousands(row.central), kNumber),
        PadLeft(Thousands(row.truth), kNumber),
        PadLeft(row.reference < 0 ? "-" : Thousands(row.reference),
                kNumber + 4),
        row.central == row.truth ? "" : "   <-- 不一致 differs", "\n");
  }
  return out;
}

}  // namespace outpost::scenario
