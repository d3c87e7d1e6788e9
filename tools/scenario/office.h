// The reference office as data: a sub-district office during the 2020
// epidemic (18 communities, 78 compounds, 85 checkpoints, 779 duty staff,
// 56,149 households, 161,771 residents), generated deterministically from a
// seed. Pure: no I/O, no clock; the same options give the same office on every
// machine.
//
//   Office office = GenerateOffice({.seed = 2020, .scale = 1.0});
//   std::string csv = ResidentsCsv(office, "yatai");   // for ImportResidents
//
// `scale` multiplies households and residents (the registry); the structure
// (communities, compounds, checkpoints, staff) is the reference one. With
// `communities` < 18 the office is the first N communities of the full one.
#ifndef OUTPOST_TOOLS_SCENARIO_OFFICE_H_
#define OUTPOST_TOOLS_SCENARIO_OFFICE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace outpost::scenario {

// The reference figures (the issue's list), for the full office at scale 1.
struct Reference {
  static constexpr int kCommunities = 18;
  static constexpr int kCommunityCadres = 36;  // secretaries and directors
  static constexpr int kClosedCompounds = 73;
  static constexpr int kPublicRentalCompounds = 5;
  static constexpr int kCheckpoints = 85;
  static constexpr int kDutyStaff = 779;
  static constexpr int64_t kHouseholds = 56149;
  static constexpr int64_t kResidents = 161771;
  static constexpr int kOfficeLeaders = 14;
  static constexpr int kOfficeStaff = 192;
  static constexpr int kDonationBatches = 41;
  static constexpr int kEnterprises = 171;
  static constexpr int kEnterpriseEmployees = 3300;
  static constexpr int kEnterpriseMasks = 49500;
  static constexpr int kPartyBranches = 20;
  static constexpr int kPartyPosts = 29;
  static constexpr int kEmergencyResponses = 6;
};

// Supplies issued (item, unit, quantity), in the reference's order.
struct SupplyFigure {
  const char* item;
  const char* unit;
  int64_t quantity;
  const char*
      catalog;  // the item's id in the supplies catalog (`supplies items`)
};
const std::vector<SupplyFigure>& ReferenceSupplies();

struct Person {
  std::string name;
  std::string id_number;  // GB 11643, valid check character
  std::string phone;      // may be empty (young children)
};

struct Resident : Person {
  int household = 0;         // index into Office::households
  std::string key_category;  // "" unless a key person
  // none | home_quarantine | centralized_quarantine
  std::string control = "none";
  std::string control_start;  // YYYY-MM-DD when controlled
};

struct Household {
  int community = 0;  // index into Office::communities
  int compound = 0;   // index into Office::compounds
  std::string building, unit, room;
  std::vector<int> members;  // indexes into Office::residents
  bool quarantined = false;  // the whole household under home quarantine
};

struct Compound {
  std::string id;  // e.g. "yatai-k03"
  int community = 0;
  std::string name;
  std::string kind;  // commodity_housing | village_to_residence | public_rental
  std::string closed_since;
  std::vector<int> checkpoints;  // indexes into Office::checkpoints
  std::vector<int> households;   // indexes into Office::households
};

struct Checkpoint {
  std::string id;  // e.g. "yatai-k03-g1"
  int compound = 0;
  std::string name;
};

struct Staff : Person {
  std::string id;
  int checkpoint = 0;
  std::string role;   // duty | volunteer | police | medic | party_member
  std::string shift;  // HH:MM-HH:MM
};

struct Community {
  std::string id;    // pinyin, e.g. "yatai"
  std::string name;  // e.g. "亚太社区"
  Person secretary, director;
  std::vector<int> compounds;  // indexes into Office::compounds
};

// The office's other work, as records whose sums are the reference figures
// (supplies issued, donations, enterprises, party posts, emergency
// responses), loaded through the Consolidation service (work_play.h).
struct SupplyIssue {
  int community = 0;
  std::string item;     // ReferenceSupplies()[i].item
  std::string catalog;  // ReferenceSupplies()[i].catalog
  std::string to;       // empty: the community itself; else an enterprise id
  std::string unit;
  int64_t quantity = 0;
  std::string date;  // YYYY-MM-DD
};

struct Donation {  // to the office (not a community)
  std::string id;  // "don-01" ...
  std::string donor;
  std::string item;
  std::string catalog;  // the catalog's item id
  std::string unit;
  int64_t quantity = 0;
  std::string date;
};

struct Enterprise {
  std::string id;  // "yatai-e01" ...
  int community = 0;
  std::string name;
  int employees = 0;
  int masks = 0;  // issued to it on reopening (15 per employee)
  std::string reopened;
};

struct PartyBranch {  // a temporary branch at a compound
  std::string id;
  int compound = 0;
  std::string name;
  std::vector<int> posts;  // party-member posts: Office::checkpoints indexes
};

struct EmergencyResponse {
  std::string id;
  int community = 0;
  std::string date;
  std::string kind;
  std::string summary;
};

struct Office {
  uint64_t seed = 0;
  double scale = 1.0;
  std::vector<Community> communities;
  std::vector<Compound> compounds;
  std::vector<Checkpoint> checkpoints;
  std::vector<Staff> staff;
  std::vector<Household> households;
  std::vector<Resident> residents;
  std::vector<Person> office_leaders;  // 14
  std::vector<Person> office_staff;    // 192 at the front line
  std::vector<SupplyIssue> supply_issues;
  std::vector<Donation> donations;
  std::vector<Enterprise> enterprises;
  std::vector<PartyBranch> party_branches;
  std::vector<EmergencyResponse> emergencies;

  int CommunityIndex(const std::string& id) const;  // -1 if absent
};

struct OfficeOptions {
  uint64_t seed = 2020;
  double scale = 1.0;    // households and residents, (0, 1]
  int communities = 18;  // the first N of the 18
  // Households under home quarantine (every member), and residents elsewhere
  // in centralized quarantine, as fractions.
  double quarantine_rate = 0.004;
  double centralized_rate = 0.0008;
};

Office GenerateOffice(const OfficeOptions& options);

// A special-care resident (special_care set at the load): elderly (born in
// 1955 or before) under home quarantine, visited by the community every day.
bool NeedsCareVisits(const Resident& r);

// The registry of one community as the CSV that Community.ImportResidents
// reads (header community,compound,building,unit,room,name,id_number,phone,
// key_category).
std::string ResidentsCsv(const Office& office, int community);

// The ISO date the scenario's first simulated day falls on (2020-02-10) plus
// `day`.
std::string DayDate(int day);

}  // namespace outpost::scenario

#endif  // OUTPOST_TOOLS_SCENARIO_OFFICE_H_
