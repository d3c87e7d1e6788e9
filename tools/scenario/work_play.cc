#include "tools/scenario/work_play.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "server/validate.h"
#include "tools/scenario/driver.h"

namespace outpost::scenario {
namespace {

namespace pb = outpost::v1;

constexpr char kWarehouse[] = "warehouse";
constexpr char kSuppliesDesk[] = "街道物资组 supplies desk";

absl::Status Context(absl::string_view what, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(what, ": ", s.message()));
}

std::string HouseholdRowId(const Office& office, int h) {
  const Household& household = office.households[h];
  return server::HouseholdId(office.communities[household.community].id,
                             office.compounds[household.compound].id,
                             household.building, household.unit,
                             household.room);
}

}  // namespace

std::string ReportDate() {
  return absl::FormatCivilTime(
      absl::ToCivilDay(absl::Now(), absl::LocalTimeZone()));
}

absl::Status LoadCommunityWork(const Office& office, int community,
                               client::Client& client) {
  const Community& c = office.communities[community];
  // The community's secretary and director.
  for (const auto& [role, person] :
       {std::pair<const char*, const Person*>{"secretary", &c.secretary},
        {"director", &c.director}}) {
    pb::AddStaffRequest add;
    add.mutable_staff()->set_id(absl::StrCat(c.id, "-", role));
    add.mutable_staff()->set_name(person->name);
    add.mutable_staff()->set_phone(person->phone);
    add.mutable_staff()->set_role(role);
    add.mutable_staff()->set_community(c.id);
    add.mutable_staff()->set_shift("07:00-23:00");
    if (auto r = client.AddStaff(add); !r.ok())
      return Context(absl::StrCat("AddStaff ", add.staff().id()), r.status());
  }
  // Its temporary party branches and their party-member posts.
  for (const PartyBranch& b : office.party_branches) {
    if (office.compounds[b.compound].community != community) continue;
    pb::AddPartyBranchRequest add;
    add.mutable_branch()->set_id(b.id);
    add.mutable_branch()->set_name(b.name);
    add.mutable_branch()->set_compound(office.compounds[b.compound].id);
    for (int p : b.posts)
      add.mutable_branch()->add_posts(office.checkpoints[p].id);
    if (auto r = client.AddPartyBranch(add); !r.ok())
      return Context(absl::StrCat("AddPartyBranch ", b.id), r.status());
  }
  for (const Enterprise& e : office.enterprises) {
    if (e.community != community) continue;
    pb::AddEnterpriseRequest add;
    add.mutable_enterprise()->set_id(e.id);
    add.mutable_enterprise()->set_name(e.name);
    add.mutable_enterprise()->set_community(c.id);
    add.mutable_enterprise()->set_employees(e.employees);
    add.mutable_enterprise()->set_by(c.director.name);
    if (auto r = client.AddEnterprise(add); !r.ok())
      return Context(absl::StrCat("AddEnterprise ", e.id), r.status());
    // Reviewed and approved by the office, then open for business.
    for (const char* status : {"approved", "reopened"}) {
      pb::UpdateEnterpriseRequest update;
      update.set_id(e.id);
      update.set_filing_status(status);
      update.set_by(c.secretary.name);
      if (auto r = client.UpdateEnterprise(update); !r.ok())
        return Context(absl::StrCat("UpdateEnterprise ", e.id), r.status());
    }
  }
  return absl::OkStatus();
}

absl::Status LoadCentralWork(const Office& office, client::Client& central) {
  // The office's leaders and its staff at the front line (sub-district
  // scope, held by central).
  for (const auto& [role, people] :
       {std::pair<const char*, const std::vector<Person>*>{
            "office_leader", &office.office_leaders},
        {"office_staff", &office.office_staff}}) {
    for (size_t i = 0; i < people->size(); ++i) {
      pb::AddStaffRequest add;
      add.mutable_staff()->set_id(absl::StrFormat("%s-%03d", role, i + 1));
      add.mutable_staff()->set_name((*people)[i].name);
      add.mutable_staff()->set_phone((*people)[i].phone);
      add.mutable_staff()->set_role(role);
      add.mutable_staff()->set_shift("08:00-20:00");
      if (auto r = central.AddStaff(add); !r.ok())
        return Context(absl::StrCat("AddStaff ", add.staff().id()), r.status());
    }
  }
  std::map<std::string, int64_t> needed, donated;
  for (const SupplyIssue& s : office.supply_issues)
    needed[s.catalog] += s.quantity;
  for (const Donation& d : office.donations) {
    pb::ReceiveSuppliesRequest r;
    r.set_item(d.catalog);
    r.set_qty(d.quantity);
    r.set_location(kWarehouse);
    r.set_source("donation");
    r.set_donor(d.donor);
    r.set_batch(d.id);
    r.set_by(kSuppliesDesk);
    if (auto m = central.ReceiveSupplies(r); !m.ok())
      return Context(absl::StrCat("ReceiveSupplies donation ", d.id),
                     m.status());
    donated[d.catalog] += d.quantity;
  }
  for (const auto& [item, qty] : needed) {
    if (qty <= donated[item]) continue;
    pb::ReceiveSuppliesRequest r;
    r.set_item(item);
    r.set_qty(qty - donated[item]);
    r.set_location(kWarehouse);
    r.set_source("procurement");
    r.set_by(kSuppliesDesk);
    if (auto m = central.ReceiveSupplies(r); !m.ok())
      return Context(absl::StrCat("ReceiveSupplies procurement ", item),
                     m.status());
  }
  for (const SupplyIssue& s : office.supply_issues) {
    pb::IssueSuppliesRequest r;
    r.set_item(s.catalog);
    r.set_qty(s.quantity);
    r.set_from(kWarehouse);
    r.set_to(s.to.empty() ? office.communities[s.community].id : s.to);
    r.set_kind("issue");
    r.set_by(kSuppliesDesk);
    if (auto m = central.IssueSupplies(r); !m.ok())
      return Context(absl::StrCat("IssueSupplies ", s.catalog, " to ", r.to()),
                     m.status());
  }
  return absl::OkStatus();
}

absl::Status PlayCommunityWork(const Office& office, const CommunityDay& day,
                               const std::string& id_key,
                               client::Client& client) {
  const Community& c = office.communities[day.community];
  const std::string& by = c.director.name;
  for (const ServiceEvent& e : day.services) {
    pb::AddServiceRequestRequest add;
    add.set_household(HouseholdRowId(office, e.household));
    add.set_kind(absl::StrContains(e.kind, "groceries") ||
                         absl::StrContains(e.kind, "medicine")
                     ? "purchase"
                     : "delivery");
    add.set_detail(e.kind);
    add.set_by(by);
    absl::StatusOr<pb::ServiceRequest> r = client.AddServiceRequest(add);
    if (!r.ok())
      return Context(absl::StrCat(c.id, ": AddServiceRequest"), r.status());
    for (const char* status : {"accepted", "delivered"}) {
      pb::UpdateServiceRequestRequest update;
      update.set_id(r->id());
      update.set_status(status);
      update.set_by(by);
      if (auto u = client.UpdateServiceRequest(update); !u.ok())
        return Context(absl::StrCat(c.id, ": UpdateServiceRequest ", r->id()),
                       u.status());
    }
  }
  // A care visit to each special-care resident: by phone, every third day
  // at the door.
  const bool at_door = day.report.date == DayDate(0);
  for (int k : c.compounds) {
    for (int h : office.compounds[k].households) {
      for (int m : office.households[h].members) {
        if (!NeedsCareVisits(office.residents[m])) continue;
        pb::AddCareVisitRequest visit;
        visit.set_resident(ResidentRowId(office, m, id_key));
        visit.set_mode(at_door ? "in_person" : "phone");
        visit.set_note(
            "体温正常, 药品充足 temperature normal, medicine enough");
        visit.set_by(by);
        if (auto r = client.AddCareVisit(visit); !r.ok())
          return Context(absl::StrCat(c.id, ": AddCareVisit"), r.status());
      }
    }
  }
  if (day.report.date == DayDate(0)) {
    // A quarter of the community's masks goes on to its gates.
    int64_t masks = 0;
    for (const SupplyIssue& s : office.supply_issues)
      if (s.community == day.community && s.to.empty() && s.catalog == "mask")
        masks += s.quantity;
    std::vector<int> gates;
    for (int k : c.compounds)
      for (int g : office.compounds[k].checkpoints) gates.push_back(g);
    const int64_t each =
        gates.empty() ? 0 : masks / 4 / static_cast<int64_t>(gates.size());
    for (int g : gates) {
      if (each <= 0) break;
      pb::IssueSuppliesRequest r;
      r.set_item("mask");
      r.set_qty(each);
      r.set_from(c.id);
      r.set_to(office.checkpoints[g].id);
      r.set_kind("transfer");
      r.set_by(by);
      if (auto m = client.IssueSupplies(r); !m.ok())
        return Context(absl::StrCat(c.id, ": IssueSupplies to ", r.to()),
                       m.status());
    }
    for (size_t i = 0; i < office.emergencies.size(); ++i) {
      const EmergencyResponse& er = office.emergencies[i];
      if (er.community != day.community || c.compounds.empty()) continue;
      pb::OpenIncidentRequest open;
      open.set_compound(
          office.compounds[c.compounds[i % c.compounds.size()]].id);
      open.set_kind(i % 3 == 0 ? "confirmed" : "suspected");
      open.set_note(er.summary);
      open.set_by(c.secretary.name);
      absl::StatusOr<pb::Incident> incident = client.OpenIncident(open);
      if (!incident.ok())
        return Context(absl::StrCat(c.id, ": OpenIncident ", er.id),
                       incident.status());
      const std::pair<const char*, const char*> actions[] = {
          {"社区书记带队到场, 小区封控 on site, compound closed", "responding"},
          {"转运就医, 密接隔离 transferred, close contacts isolated", ""},
          {"环境消杀完毕, 解除 disinfected, closed", "closed"}};
      for (const auto& [action, status] : actions) {
        pb::IncidentActionRequest a;
        a.set_incident(incident->id());
        a.set_action(action);
        a.set_status(status);
        a.set_by(c.secretary.name);
        if (auto r = client.AddIncidentAction(a); !r.ok())
          return Context(absl::StrCat(c.id, ": AddIncidentAction ", er.id),
                         r.status());
      }
    }
  }
  // The day's report, from the node's own data; a zero report only for a
  // day without any activity.
  pb::SubmitReportRequest report;
  report.set_community(c.id);
  report.set_date(ReportDate());
  report.set_zero(day.passes.empty() && day.checks.empty() &&
                  day.services.empty() && day.edits.empty());
  report.set_by(by);
  if (auto r = client.SubmitReport(report); !r.ok())
    return Context(absl::StrCat(c.id, ": SubmitReport"), r.status());
  return absl::OkStatus();
}

}  // namespace outpost::scenario
