#include "tools/scenario/office.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "tools/scenario/people.h"
#include "tools/scenario/random.h"
#include "tools/scenario/work.h"

namespace outpost::scenario {
namespace {

struct CommunityName {
  const char* id;
  const char* name;
};

// The 18 communities (names are plausible, not the real office's).
constexpr CommunityName kCommunities[Reference::kCommunities] = {
    {"yatai", "亚太社区"},     {"hongfu", "鸿福社区"},
    {"jinqiao", "金桥社区"},   {"heping", "和平社区"},
    {"guangming", "光明社区"}, {"xinhua", "新华社区"},
    {"dongfeng", "东风社区"},  {"jianshe", "建设社区"},
    {"xingfu", "幸福社区"},    {"changqing", "长青社区"},
    {"wenhua", "文化社区"},    {"fengshou", "丰收社区"},
    {"huayuan", "花园社区"},   {"chunhui", "春晖社区"},
    {"jinxiu", "锦绣社区"},    {"ankang", "安康社区"},
    {"qingnian", "青年社区"},  {"nanhu", "南湖社区"}};

const std::vector<std::string>& CompoundWords() {
  static const auto* v = new std::vector<std::string>{
      "福星", "泰和", "翠湖", "龙腾", "金色", "阳光", "博雅", "汉口",
      "江景", "书香", "梧桐", "锦江", "东湖", "晴川", "月湖", "紫阳",
      "桃源", "华庭", "御景", "新城", "百步", "万科", "长江", "滨江"};
  return *v;
}

const std::vector<std::string>& CompoundSuffixes() {
  static const auto* v =
      new std::vector<std::string>{"小区", "花园", "苑", "家园", "公寓", "里"};
  return *v;
}

const std::vector<std::string>& KeyCategories() {
  // 密切接触者 close contact, 外地返回 returned from elsewhere,
  // 发热病人 fever patient, 疑似病例 suspected case, 治愈出院 recovered.
  static const auto* v = new std::vector<std::string>{
      "密切接触者", "外地返回", "发热病人", "疑似病例", "治愈出院"};
  return *v;
}

Person MakeAdult(PeopleMaker& people, Rng& rng) {
  const bool male = rng.Chance(0.5);
  Person p;
  p.name = people.Name(rng, male);
  p.id_number =
      people.IdNumber(rng, static_cast<int>(rng.Range(1960, 1995)), male);
  p.phone = people.Phone(rng);
  return p;
}

std::vector<double> RandomWeights(Rng& rng, int n, double lo, double hi) {
  std::vector<double> w;
  for (int i = 0; i < n; ++i) w.push_back(lo + (hi - lo) * rng.Unit());
  return w;
}

// A random permutation of 0..n-1 (Fisher-Yates on our own mapping).
std::vector<int> Shuffled(Rng& rng, int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  for (int i = n - 1; i > 0; --i) std::swap(v[i], v[rng.Range(0, i)]);
  return v;
}

void GenerateStructure(Office& office, PeopleMaker& people, Rng& rng) {
  const int n = Reference::kCommunities;
  for (int c = 0; c < n; ++c) {
    Community community;
    community.id = kCommunities[c].id;
    community.name = kCommunities[c].name;
    community.secretary = MakeAdult(people, rng);
    community.director = MakeAdult(people, rng);
    office.communities.push_back(std::move(community));
  }
  // 78 compounds, at least 2 per community; the 5 public-rental compounds
  // in 5 different communities.
  const std::vector<int64_t> per_community =
      Split(Reference::kClosedCompounds + Reference::kPublicRentalCompounds, n,
            2, RandomWeights(rng, n, 0.5, 1.5));
  const std::vector<int> order = Shuffled(rng, n);
  std::vector<bool> has_rental(n, false);
  for (int i = 0; i < Reference::kPublicRentalCompounds; ++i)
    has_rental[order[i]] = true;
  for (int c = 0; c < n; ++c) {
    for (int k = 0; k < per_community[c]; ++k) {
      Compound compound;
      compound.id =
          absl::StrFormat("%s-k%02d", office.communities[c].id, k + 1);
      compound.community = c;
      if (k == 0 && has_rental[c]) {
        compound.kind = "public_rental";
        compound.name = rng.Pick(CompoundWords()) + "公租房";
      } else {
        compound.kind =
            rng.Chance(0.7) ? "commodity_housing" : "village_to_residence";
        compound.name =
            rng.Pick(CompoundWords()) + rng.Pick(CompoundSuffixes());
      }
      // Closed off between 2020-01-24 and 2020-02-12.
      compound.closed_since =
          absl::FormatCivilTime(absl::CivilDay(2020, 1, 24) + rng.Range(0, 19));
      office.communities[c].compounds.push_back(
          static_cast<int>(office.compounds.size()));
      office.compounds.push_back(std::move(compound));
    }
  }
  // 85 checkpoints: one gate per compound, a second gate at 7 of them.
  const int compounds = static_cast<int>(office.compounds.size());
  const std::vector<int> second = Shuffled(rng, compounds);
  std::vector<int> gates(compounds, 1);
  for (int i = 0; i < Reference::kCheckpoints - compounds; ++i)
    ++gates[second[i]];
  static const char* kGateNames[] = {"东门", "南门", "西门", "北门"};
  for (int k = 0; k < compounds; ++k) {
    const int first = static_cast<int>(rng.Range(0, 3));
    for (int g = 0; g < gates[k]; ++g) {
      Checkpoint cp;
      cp.id = absl::StrFormat("%s-g%d", office.compounds[k].id, g + 1);
      cp.compound = k;
      cp.name = office.compounds[k].name + kGateNames[(first + g) % 4];
      office.compounds[k].checkpoints.push_back(
          static_cast<int>(office.checkpoints.size()));
      office.checkpoints.push_back(std::move(cp));
    }
  }
  // 779 duty staff, at least 4 per checkpoint (two shifts of two).
  const int checkpoints = static_cast<int>(office.checkpoints.size());
  const std::vector<int64_t> per_checkpoint =
      Split(Reference::kDutyStaff, checkpoints, 4,
            RandomWeights(rng, checkpoints, 0.5, 1.5));
  static const std::vector<std::string> kRoles = {"duty", "volunteer", "police",
                                                  "medic", "party_member"};
  static const std::vector<double> kRoleWeights = {60, 20, 7, 5, 8};
  static const char* kShifts[] = {"08:00-20:00", "20:00-08:00"};
  for (int cp = 0; cp < checkpoints; ++cp) {
    for (int s = 0; s < per_checkpoint[cp]; ++s) {
      Staff staff;
      static_cast<Person&>(staff) = MakeAdult(people, rng);
      staff.id = absl::StrFormat("%s-s%02d", office.checkpoints[cp].id, s + 1);
      staff.checkpoint = cp;
      staff.role = kRoles[rng.Weighted(kRoleWeights)];
      staff.shift = kShifts[s % 2];
      office.staff.push_back(std::move(staff));
    }
  }
}

void GenerateRegistry(Office& office, PeopleMaker& people, Rng& rng,
                      const OfficeOptions& options) {
  const int n = Reference::kCommunities;
  const int64_t households_total = std::max<int64_t>(
      n,
      std::llround(static_cast<double>(Reference::kHouseholds) * office.scale));
  const int64_t residents_total = std::max<int64_t>(
      households_total,
      std::llround(static_cast<double>(Reference::kResidents) * office.scale));
  std::vector<double> weights;
  for (const Community& c : office.communities)
    weights.push_back(static_cast<double>(c.compounds.size()) *
                      (0.7 + 0.6 * rng.Unit()));
  const std::vector<int64_t> households =
      Split(households_total, n, 1, weights);
  const std::vector<int64_t> extra_residents =
      Split(residents_total - households_total, n, 0,
            std::vector<double>(households.begin(), households.end()));
  for (int c = 0; c < n; ++c) {
    const Community& community = office.communities[c];
    const int ncompounds = static_cast<int>(community.compounds.size());
    std::vector<double> cw = RandomWeights(rng, ncompounds, 0.4, 1.6);
    for (int k = 0; k < ncompounds; ++k) {
      if (office.compounds[community.compounds[k]].kind == "public_rental")
        cw[k] *= 0.3;
    }
    const std::vector<int64_t> per_compound =
        Split(households[c], ncompounds, 0, cw);
    const int first_household = static_cast<int>(office.households.size());
    for (int k = 0; k < ncompounds; ++k) {
      const int compound = community.compounds[k];
      for (int64_t h = 0; h < per_compound[k]; ++h) {
        // 2 units per building, 18 floors, 2 flats per floor.
        Household household;
        household.community = c;
        household.compound = compound;
        household.building = absl::StrCat(h / 72 + 1);
        household.unit = absl::StrCat((h % 72) / 36 + 1);
        household.room = absl::StrCat(((h % 36) / 2 + 1) * 100 + h % 2 + 1);
        office.compounds[compound].households.push_back(
            static_cast<int>(office.households.size()));
        office.households.push_back(std::move(household));
      }
    }
    // Sizes: one each, then the rest one by one to random flats (<= 7).
    const int count =
        static_cast<int>(office.households.size()) - first_household;
    std::vector<int> size(count, 1);
    for (int64_t r = 0; r < extra_residents[c];) {
      const int h = static_cast<int>(rng.Range(0, count - 1));
      if (size[h] >= 7) continue;
      ++size[h];
      ++r;
    }
    for (int i = 0; i < count; ++i) {
      const int h = first_household + i;
      const std::string surname = people.Surname(rng);
      for (int m = 0; m < size[i]; ++m) {
        Resident resident;
        const bool male = m == 0 ? rng.Chance(0.55) : rng.Chance(0.5);
        const int year = m == 0 ? static_cast<int>(rng.Range(1940, 1995))
                                : people.BirthYear(rng);
        resident.name =
            people.Name(rng, male, rng.Chance(0.8) ? surname : std::string());
        resident.id_number = people.IdNumber(rng, year, male);
        if (year <= 2008) resident.phone = people.Phone(rng);
        resident.household = h;
        office.households[h].members.push_back(
            static_cast<int>(office.residents.size()));
        office.residents.push_back(std::move(resident));
      }
    }
  }
  // Key persons. Quarantined households (0.4%): every member under home
  // quarantine, one of them the key person (close contact or returned).
  for (Household& h : office.households) {
    if (!rng.Chance(options.quarantine_rate)) continue;
    h.quarantined = true;
    const std::string start =
        absl::FormatCivilTime(absl::CivilDay(2020, 1, 28) + rng.Range(0, 12));
    for (size_t m = 0; m < h.members.size(); ++m) {
      Resident& r = office.residents[h.members[m]];
      r.control = "home_quarantine";
      r.control_start = start;
      if (m == 0) r.key_category = KeyCategories()[rng.Chance(0.6) ? 0 : 1];
    }
  }
  // Elsewhere: some in centralized quarantine (suspected cases, fever
  // patients, close contacts), some recovered and back home (not controlled).
  for (Resident& r : office.residents) {
    if (r.control != "none") continue;
    if (rng.Chance(options.centralized_rate)) {
      r.control = "centralized_quarantine";
      r.control_start =
          absl::FormatCivilTime(absl::CivilDay(2020, 1, 28) + rng.Range(0, 12));
      r.key_category = KeyCategories()[rng.Range(0, 3)];
    } else if (rng.Chance(0.0005)) {
      r.key_category = KeyCategories()[4];
    }
  }
}

}  // namespace

const std::vector<SupplyFigure>& ReferenceSupplies() {
  static const auto* v = new std::vector<SupplyFigure>{
      {"口罩 masks", "个", 178260, "mask"},
      {"防护服 protective suits", "套", 207, "protective_suit"},
      {"一次性雨衣 disposable raincoats", "件", 3900, "raincoat"},
      {"手套 gloves", "双", 2507, "gloves"},
      {"护目镜 goggles", "副", 200, "goggles"},
      {"水银体温计 mercury thermometers", "支", 276, "mercury_thermometer"},
      {"额温枪 forehead thermometers", "支", 43, "forehead_thermometer"},
      {"喷壶 sprayers", "个", 570, "sprayer"},
      {"个人酒精 personal alcohol", "瓶", 1000, "alcohol_bottle"},
      {"消毒酒精 disinfectant alcohol", "桶/瓶", 2628, "alcohol"},
      {"84消毒液 84 disinfectant", "桶/瓶", 1904, "disinfectant_84"},
      {"泡腾片 effervescent tablets", "kg", 405, "effervescent_tablet"},
      {"抗病毒口服液 antiviral oral liquid", "盒", 7, "antiviral_liquid"},
      {"中药包 TCM packs", "包", 8070, "tcm_pack"}};
  return *v;
}

bool NeedsCareVisits(const Resident& r) {
  // GB 11643: the birth year is characters 7-10.
  return r.control == "home_quarantine" && r.id_number.size() == 18 &&
         r.id_number.compare(6, 4, "1955") <= 0;
}

int Office::CommunityIndex(const std::string& id) const {
  for (size_t i = 0; i < communities.size(); ++i) {
    if (communities[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

Office GenerateOffice(const OfficeOptions& options) {
  Office office;
  office.seed = options.seed;
  office.scale = options.scale;
  PeopleMaker people;
  Rng rng = Rng::For(options.seed, 1);
  GenerateStructure(office, people, rng);
  GenerateRegistry(office, people, rng, options);
  // The work records from a stream of their own: adding to them never
  // changes the registry.
  Rng work_rng = Rng::For(options.seed, 2);
  GenerateWork(office, people, work_rng);
  const int keep =
      std::max(1, std::min(options.communities, Reference::kCommunities));
  if (keep == Reference::kCommunities) return office;

  // The first `keep` communities: everything of theirs, renumbered.
  Office sub;
  sub.seed = office.seed;
  sub.scale = office.scale;
  std::vector<int> compound_map(office.compounds.size(), -1);
  std::vector<int> checkpoint_map(office.checkpoints.size(), -1);
  std::vector<int> household_map(office.households.size(), -1);
  for (size_t k = 0; k < office.compounds.size(); ++k) {
    if (office.compounds[k].community >= keep) continue;
    compound_map[k] = static_cast<int>(sub.compounds.size());
    sub.compounds.push_back(office.compounds[k]);
    sub.compounds.back().checkpoints.clear();
    sub.compounds.back().households.clear();
  }
  for (int c = 0; c < keep; ++c) {
    sub.communities.push_back(office.communities[c]);
    for (int& k : sub.communities.back().compounds) k = compound_map[k];
  }
  for (size_t i = 0; i < office.checkpoints.size(); ++i) {
    const int k = compound_map[office.checkpoints[i].compound];
    if (k < 0) continue;
    checkpoint_map[i] = static_cast<int>(sub.checkpoints.size());
    sub.compounds[k].checkpoints.push_back(checkpoint_map[i]);
    sub.checkpoints.push_back(office.checkpoints[i]);
    sub.checkpoints.back().compound = k;
  }
  for (const Staff& s : office.staff) {
    if (checkpoint_map[s.checkpoint] < 0) continue;
    sub.staff.push_back(s);
    sub.staff.back().checkpoint = checkpoint_map[s.checkpoint];
  }
  for (size_t h = 0; h < office.households.size(); ++h) {
    if (office.households[h].community >= keep) continue;
    household_map[h] = static_cast<int>(sub.households.size());
    Household household = office.households[h];
    household.compound = compound_map[household.compound];
    household.members.clear();
    sub.compounds[household.compound].households.push_back(household_map[h]);
    sub.households.push_back(std::move(household));
  }
  for (const Resident& r : office.residents) {
    const int h = household_map[r.household];
    if (h < 0) continue;
    sub.households[h].members.push_back(static_cast<int>(sub.residents.size()));
    sub.residents.push_back(r);
    sub.residents.back().household = h;
  }
  sub.office_leaders = office.office_leaders;
  sub.office_staff = office.office_staff;
  sub.donations = office.donations;  // to the office, not a community
  for (const SupplyIssue& s : office.supply_issues)
    if (s.community < keep) sub.supply_issues.push_back(s);
  for (const Enterprise& e : office.enterprises)
    if (e.community < keep) sub.enterprises.push_back(e);
  for (const EmergencyResponse& r : office.emergencies)
    if (r.community < keep) sub.emergencies.push_back(r);
  for (const PartyBranch& b : office.party_branches) {
    if (compound_map[b.compound] < 0) continue;
    PartyBranch branch = b;
    branch.compound = compound_map[b.compound];
    for (int& p : branch.posts) p = checkpoint_map[p];
    sub.party_branches.push_back(std::move(branch));
  }
  return sub;
}

std::string ResidentsCsv(const Office& office, int community) {
  std::string csv =
      "community,compound,building,unit,room,name,id_number,phone,"
      "key_category\n";
  const std::string& id = office.communities[community].id;
  for (int k : office.communities[community].compounds) {
    for (int h : office.compounds[k].households) {
      const Household& household = office.households[h];
      for (int m : household.members) {
        const Resident& r = office.residents[m];
        absl::StrAppend(&csv, id, ",", office.compounds[k].id, ",",
                        household.building, ",", household.unit, ",",
                        household.room, ",", r.name, ",", r.id_number, ",",
                        r.phone, ",", r.key_category, "\n");
      }
    }
  }
  return csv;
}

std::string DayDate(int day) {
  return absl::FormatCivilTime(absl::CivilDay(2020, 2, 10) + day);
}

}  // namespace outpost::scenario
