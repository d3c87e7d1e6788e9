#include "tools/scenario/work.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"

namespace outpost::scenario {
namespace {

std::string Date(Rng& rng, absl::CivilDay first, int days) {
  return absl::FormatCivilTime(first + rng.Range(0, days - 1));
}

}  // namespace

void GenerateWork(Office& office, PeopleMaker& people, Rng& rng) {
  const int n = static_cast<int>(office.communities.size());
  for (int i = 0; i < Reference::kOfficeLeaders; ++i) {
    const bool male = rng.Chance(0.6);
    office.office_leaders.push_back(
        {people.Name(rng, male),
         people.IdNumber(rng, static_cast<int>(rng.Range(1965, 1985)), male),
         people.Phone(rng)});
  }
  for (int i = 0; i < Reference::kOfficeStaff; ++i) {
    const bool male = rng.Chance(0.5);
    office.office_staff.push_back(
        {people.Name(rng, male),
         people.IdNumber(rng, static_cast<int>(rng.Range(1970, 1998)), male),
         people.Phone(rng)});
  }
  // Supplies issued to the communities, in proportion to their residents.
  std::vector<double> residents(n, 0);
  for (const Household& h : office.households)
    residents[h.community] += static_cast<double>(h.members.size());
  // The masks given to reopened enterprises (below) are part of the masks
  // issued.
  for (const SupplyFigure& figure : ReferenceSupplies()) {
    const int64_t to_communities =
        figure.quantity - (std::string(figure.catalog) == "mask"
                               ? Reference::kEnterpriseMasks
                               : 0);
    const std::vector<int64_t> per = Split(to_communities, n, 0, residents);
    for (int c = 0; c < n; ++c) {
      if (per[c] == 0) continue;
      office.supply_issues.push_back(
          {c, figure.item, figure.catalog, "", figure.unit, per[c],
           Date(rng, absl::CivilDay(2020, 1, 26), 40)});
    }
  }
  // 41 donation batches to the office.
  static const std::vector<std::string> kDonors = {
      "武汉市商会", "湖北校友会", "爱心企业", "社区居民", "医药公司",
      "物业公司",   "志愿者协会", "台湾同胞", "海外侨胞", "超市连锁"};
  for (int i = 0; i < Reference::kDonationBatches; ++i) {
    const SupplyFigure& item = rng.Pick(ReferenceSupplies());
    Donation d;
    d.id = absl::StrFormat("don-%02d", i + 1);
    d.donor = rng.Pick(kDonors);
    d.item = item.item;
    d.catalog = item.catalog;
    d.unit = item.unit;
    d.quantity = std::max<int64_t>(1, item.quantity / 20 + rng.Range(0, 50));
    d.date = Date(rng, absl::CivilDay(2020, 1, 25), 45);
    office.donations.push_back(std::move(d));
  }
  // 171 reopened enterprises, 3,300 employees, 15 masks each (49,500).
  const std::vector<int64_t> per_community =
      Split(Reference::kEnterprises, n, 1, residents);
  const std::vector<int64_t> employees =
      Split(Reference::kEnterpriseEmployees, Reference::kEnterprises, 2, [&] {
        std::vector<double> w;  // small shops to workshops
        for (int i = 0; i < Reference::kEnterprises; ++i)
          w.push_back(0.2 + 3.0 * rng.Unit() * rng.Unit());
        return w;
      }());
  static const std::vector<std::string> kTrades = {
      "超市", "药店", "物流", "餐饮", "五金", "印刷", "电子", "建材"};
  int e = 0;
  for (int c = 0; c < n; ++c) {
    for (int64_t k = 0; k < per_community[c]; ++k, ++e) {
      Enterprise ent;
      ent.id = absl::StrFormat("%s-e%02d", office.communities[c].id, k + 1);
      ent.community = c;
      ent.name = absl::StrCat(office.communities[c].name.substr(0, 6),
                              rng.Pick(kTrades), "有限公司");
      ent.employees = static_cast<int>(employees[e]);
      ent.masks = ent.employees * Reference::kEnterpriseMasks /
                  Reference::kEnterpriseEmployees;
      ent.reopened = Date(rng, absl::CivilDay(2020, 3, 10), 30);
      const SupplyFigure& masks = ReferenceSupplies()[0];
      office.supply_issues.push_back({c, masks.item, masks.catalog, ent.id,
                                      masks.unit, ent.masks, ent.reopened});
      office.enterprises.push_back(std::move(ent));
    }
  }
  // 20 temporary party branches at compounds; 29 party-member posts at
  // their gates (each branch one post, 9 of them a second).
  const int compounds = static_cast<int>(office.compounds.size());
  std::vector<int> order(compounds);
  for (int i = 0; i < compounds; ++i) order[i] = i;
  for (int i = compounds - 1; i > 0; --i)
    std::swap(order[i], order[rng.Range(0, i)]);
  for (int b = 0; b < Reference::kPartyBranches; ++b) {
    PartyBranch branch;
    branch.compound = order[b];
    const Compound& compound = office.compounds[branch.compound];
    branch.id = absl::StrCat(compound.id, "-pb");
    branch.name = compound.name + "临时党支部";
    const int want =
        b < Reference::kPartyPosts - Reference::kPartyBranches ? 2 : 1;
    // Posts at the compound's gates first, then at other gates of its
    // community (most compounds have one gate).
    std::vector<int> gates = compound.checkpoints;
    for (int k : office.communities[compound.community].compounds)
      if (k != branch.compound)
        for (int g : office.compounds[k].checkpoints) gates.push_back(g);
    for (int p = 0; p < want && p < static_cast<int>(gates.size()); ++p)
      branch.posts.push_back(gates[p]);
    office.party_branches.push_back(std::move(branch));
  }
  // 6 emergency responses.
  static const std::vector<std::string> kKinds = {
      "发热病人转运 fever patient transfer",
      "疑似病例排查 suspected case screening",
      "小区封控 compound lockdown",
      "独居老人送医 elderly resident to hospital",
      "物资紧急调配 emergency supplies",
      "隔离人员外出劝返 quarantine breach"};
  for (int i = 0; i < Reference::kEmergencyResponses; ++i) {
    EmergencyResponse r;
    r.id = absl::StrFormat("er-%02d", i + 1);
    r.community = static_cast<int>(rng.Range(0, n - 1));
    r.date = Date(rng, absl::CivilDay(2020, 1, 28), 40);
    r.kind = kKinds[i % kKinds.size()];
    r.summary = absl::StrCat(office.communities[r.community].name, " ", r.kind);
    office.emergencies.push_back(std::move(r));
  }
}

}  // namespace outpost::scenario
