#include "tools/scenario/plan.h"

#include "absl/strings/str_cat.h"
#include "tools/scenario/people.h"
#include "tools/scenario/random.h"

namespace outpost::scenario {
namespace {

bool Controlled(const Resident& r) {
  return r.control == "home_quarantine" ||
         r.control == "centralized_quarantine";
}

int NormalTemp(Rng& rng) { return static_cast<int>(rng.Range(360, 371)); }
int FeverTemp(Rng& rng) { return static_cast<int>(rng.Range(374, 392)); }

}  // namespace

CommunityDay PlanDay(const Office& office, int community, int day,
                     const PlanOptions& options) {
  Rng rng = Rng::For(office.seed, 1000 + day, community);
  CommunityDay plan;
  plan.community = community;
  std::vector<PassEvent> morning, afternoon;
  // Staff by checkpoint, to name who was on duty.
  std::vector<std::vector<int>> staff_at(office.checkpoints.size());
  for (size_t s = 0; s < office.staff.size(); ++s)
    staff_at[office.staff[s].checkpoint].push_back(static_cast<int>(s));
  auto pass = [&](int checkpoint, int resident, bool out, int temp) {
    PassEvent e;
    e.checkpoint = checkpoint;
    e.resident = resident;
    e.out = out;
    e.temp_tenths = temp;
    const std::vector<int>& on_duty = staff_at[checkpoint];
    e.staff = on_duty.empty() ? -1 : rng.Pick(on_duty);
    if (temp >= kFeverTenths) {
      e.expect = "FEVER";
    } else if (out && Controlled(office.residents[resident])) {
      e.expect = "DENY";
    } else {
      e.expect = "ALLOW";
    }
    return e;
  };
  for (int k : office.communities[community].compounds) {
    const Compound& compound = office.compounds[k];
    if (compound.checkpoints.empty()) continue;
    for (int h : compound.households) {
      const Household& household = office.households[h];
      const int gate = rng.Pick(compound.checkpoints);
      if (household.quarantined) {
        // Someone tries to go out anyway: refused at the gate.
        if (rng.Chance(options.exit_attempt_rate)) {
          morning.push_back(
              pass(gate, rng.Pick(household.members), true, NormalTemp(rng)));
        }
        continue;
      }
      std::vector<int> free;
      for (int m : household.members) {
        if (!Controlled(office.residents[m])) free.push_back(m);
      }
      if (free.empty()) continue;
      // One trip (out and back) most days; two on some, none on others.
      const double u = rng.Unit();
      const int trips = u < 0.05 ? 0 : (u < 0.90 ? 1 : 2);
      for (int t = 0; t < trips; ++t) {
        const int who = rng.Pick(free);
        auto temp = [&] {
          return rng.Chance(options.fever_rate) ? FeverTemp(rng)
                                                : NormalTemp(rng);
        };
        const bool early = rng.Chance(0.5);
        (early ? morning : afternoon).push_back(pass(gate, who, true, temp()));
        afternoon.push_back(pass(gate, who, false, temp()));
      }
    }
  }
  plan.passes = std::move(morning);
  plan.passes.insert(plan.passes.end(), afternoon.begin(), afternoon.end());
  // Health checks: twice a day for everyone under control.
  for (int k : office.communities[community].compounds) {
    for (int h : office.compounds[k].households) {
      for (int m : office.households[h].members) {
        if (!Controlled(office.residents[m])) continue;
        for (int twice = 0; twice < 2; ++twice) {
          plan.checks.push_back(
              {m, rng.Chance(0.01) ? FeverTemp(rng) : NormalTemp(rng)});
        }
      }
    }
  }
  // Service requests of quarantined households (a stream of their own, so
  // the passages above do not change when this does).
  Rng services = Rng::For(office.seed, 2000 + day, community);
  static const std::vector<std::string> kServices = {
      "买菜 groceries", "买药 medicine", "垃圾清运 garbage collection",
      "就医 medical visit", "心理疏导 counselling"};
  for (int k : office.communities[community].compounds) {
    for (int h : office.compounds[k].households) {
      if (!office.households[h].quarantined) continue;
      if (services.Chance(options.service_rate))
        plan.services.push_back({h, services.Pick(kServices)});
    }
  }
  // Phone edits at the registry desk.
  PeopleMaker people;
  for (int k : office.communities[community].compounds) {
    for (int h : office.compounds[k].households) {
      for (int m : office.households[h].members) {
        if (rng.Chance(options.edit_rate))
          plan.edits.push_back({m, people.Phone(rng)});
      }
    }
  }
  // The daily report: the day's figures.
  DailyReport& report = plan.report;
  report.date = DayDate(day);
  for (const PassEvent& e : plan.passes) {
    ++report.passages;
    report.fevers += e.expect == "FEVER";
    report.denials += e.expect == "DENY";
  }
  for (const HealthEvent& e : plan.checks) {
    ++report.health_checks;
    report.fevers += e.temp_tenths >= kFeverTenths;
  }
  report.under_control = static_cast<int64_t>(plan.checks.size()) / 2;
  report.service_requests = static_cast<int64_t>(plan.services.size());
  // A zero report (as the daily-report service means it): no activity.
  report.zero = report.passages == 0 && report.fevers == 0 &&
                report.denials == 0 && report.service_requests == 0;
  return plan;
}

void AddDay(const CommunityDay& day, Counts* counts) {
  for (const PassEvent& e : day.passes) {
    counts->set_passages(counts->passages() + 1);
    if (e.expect == "FEVER")
      counts->set_passage_fevers(counts->passage_fevers() + 1);
    if (e.expect == "DENY") counts->set_denials(counts->denials() + 1);
  }
  for (const HealthEvent& e : day.checks) {
    counts->set_health_checks(counts->health_checks() + 1);
    if (e.temp_tenths >= kFeverTenths)
      counts->set_health_fevers(counts->health_fevers() + 1);
  }
  counts->set_resident_edits(counts->resident_edits() +
                             static_cast<int64_t>(day.edits.size()));
  counts->set_service_requests(counts->service_requests() +
                               static_cast<int64_t>(day.services.size()));
  counts->set_daily_reports(counts->daily_reports() + 1);
  counts->set_zero_reports(counts->zero_reports() + (day.report.zero ? 1 : 0));
  counts->set_alerts(counts->passage_fevers() + counts->denials() +
                     counts->health_fevers());
}

void AddCounts(const Counts& add, Counts* into) {
  const auto* descriptor = Counts::descriptor();
  const auto* reflection = Counts::GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    reflection->SetInt64(
        into, field,
        reflection->GetInt64(*into, field) + reflection->GetInt64(add, field));
  }
}

std::vector<std::string> DiffCounts(const Counts& expected, const Counts& got,
                                    const std::vector<std::string>& fields) {
  std::vector<std::string> out;
  const auto* descriptor = Counts::descriptor();
  const auto* reflection = Counts::GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (!fields.empty() &&
        std::find(fields.begin(), fields.end(), field->name()) == fields.end())
      continue;
    const int64_t e = reflection->GetInt64(expected, field);
    const int64_t g = reflection->GetInt64(got, field);
    if (e != g) {
      out.push_back(absl::StrCat(field->name(), ": expected ", e, ", got ", g));
    }
  }
  return out;
}

GroundTruth ComputeTruth(const Office& office, int days,
                         const PlanOptions& options) {
  GroundTruth truth;
  truth.set_seed(office.seed);
  truth.set_scale(office.scale);
  truth.set_days(days);
  for (size_t c = 0; c < office.communities.size(); ++c) {
    CommunityTruth* ct = truth.add_communities();
    ct->set_id(office.communities[c].id);
    ct->set_name(office.communities[c].name);
    Counts* n = ct->mutable_counts();
    n->set_communities(1);
    for (int k : office.communities[c].compounds) {
      const Compound& compound = office.compounds[k];
      n->set_compounds(n->compounds() + 1);
      if (compound.kind == "public_rental") {
        n->set_public_rental_compounds(n->public_rental_compounds() + 1);
      } else {
        n->set_closed_compounds(n->closed_compounds() + 1);
      }
      n->set_checkpoints(n->checkpoints() +
                         static_cast<int64_t>(compound.checkpoints.size()));
      for (int h : compound.households) {
        const Household& household = office.households[h];
        n->set_households(n->households() + 1);
        if (household.quarantined)
          n->set_quarantined_households(n->quarantined_households() + 1);
        for (int m : household.members) {
          const Resident& r = office.residents[m];
          n->set_residents(n->residents() + 1);
          if (!r.key_category.empty()) n->set_key_persons(n->key_persons() + 1);
          if (r.control == "home_quarantine")
            n->set_home_quarantine(n->home_quarantine() + 1);
          if (r.control == "centralized_quarantine")
            n->set_centralized_quarantine(n->centralized_quarantine() + 1);
          if (NeedsCareVisits(r)) n->set_care_visits(n->care_visits() + days);
        }
      }
    }
    for (const Staff& s : office.staff) {
      if (office.compounds[office.checkpoints[s.checkpoint].compound]
              .community == static_cast<int>(c))
        n->set_staff(n->staff() + 1);
    }
    for (int d = 0; d < days; ++d)
      AddDay(PlanDay(office, static_cast<int>(c), d, options), n);
    AddCounts(*n, truth.mutable_total());
  }
  // The reference figures, summed from the office's work records (at the
  // full office they are the issue's figures exactly: office_test checks).
  ReferenceCounts* ref = truth.mutable_reference();
  ref->set_community_cadres(2 *
                            static_cast<int64_t>(office.communities.size()));
  ref->set_office_leaders(static_cast<int64_t>(office.office_leaders.size()));
  ref->set_office_staff(static_cast<int64_t>(office.office_staff.size()));
  for (const SupplyIssue& s : office.supply_issues)
    (*ref->mutable_supplies_issued())[absl::StrCat(s.item, " (", s.unit,
                                                   ")")] += s.quantity;
  ref->set_donation_batches(static_cast<int64_t>(office.donations.size()));
  for (const Enterprise& e : office.enterprises) {
    ref->set_enterprises(ref->enterprises() + 1);
    ref->set_enterprise_employees(ref->enterprise_employees() + e.employees);
    ref->set_enterprise_masks(ref->enterprise_masks() + e.masks);
  }
  ref->set_party_branches(static_cast<int64_t>(office.party_branches.size()));
  for (const PartyBranch& b : office.party_branches)
    ref->set_party_posts(ref->party_posts() +
                         static_cast<int64_t>(b.posts.size()));
  ref->set_emergency_responses(static_cast<int64_t>(office.emergencies.size()));
  return truth;
}

}  // namespace outpost::scenario
