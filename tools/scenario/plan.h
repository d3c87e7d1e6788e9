// The work of simulated days as data, and the ground truth it implies.
// Pure and deterministic: each (seed, day, community) has its own random
// stream, so a plan does not depend on thread scheduling or on which
// communities are simulated.
//
// A day at a community: about two passages per household (out and back in,
// at a gate of its compound), temperatures with a small fever rate; a few
// residents of quarantined households trying to go out (DENY); two health
// checks of every resident under home or centralized quarantine; a few
// phone-number edits at the registry desk.
#ifndef OUTPOST_TOOLS_SCENARIO_PLAN_H_
#define OUTPOST_TOOLS_SCENARIO_PLAN_H_

#include <string>
#include <vector>

#include "tools/scenario/office.h"
#include "tools/scenario/truth.pb.h"

namespace outpost::scenario {

inline constexpr int kFeverTenths = 373;  // 37.3 C, server/passage_rules.h

struct PassEvent {
  int checkpoint = 0;  // Office::checkpoints index
  int resident = 0;    // Office::residents index
  bool out = false;
  int temp_tenths = 365;  // 36.5 C
  int staff = 0;          // Office::staff index (on duty at that gate)
  std::string expect;     // ALLOW | FEVER | DENY
};

struct HealthEvent {
  int resident = 0;
  int temp_tenths = 365;
};

struct EditEvent {
  int resident = 0;
  std::string phone;  // the new phone number
};

// A service request of a household under home quarantine (groceries,
// medicine, ...), delivered the same day by community staff.
struct ServiceEvent {
  int household = 0;
  std::string kind;
};

// The community's daily report: the day's figures from its plan. A zero
// report (零报告) says nothing abnormal happened: no fever, no refusal.
// The demo files the node's own figures (work_play.h).
struct DailyReport {
  std::string date;  // YYYY-MM-DD
  int64_t passages = 0;
  int64_t fevers = 0;  // at the gates and at health checks
  int64_t denials = 0;
  int64_t health_checks = 0;
  int64_t under_control = 0;
  int64_t service_requests = 0;
  bool zero = false;
};

struct CommunityDay {
  int community = 0;
  std::vector<PassEvent> passes;  // in time order
  std::vector<HealthEvent> checks;
  std::vector<EditEvent> edits;
  std::vector<ServiceEvent> services;
  DailyReport report;
};

struct PlanOptions {
  double fever_rate = 0.0002;       // per passage
  double exit_attempt_rate = 0.05;  // per quarantined household and day
  double edit_rate = 0.0003;        // per resident and day
  double service_rate = 0.4;  // requests per quarantined household and day
};

// Day `day` (0-based) at community `community`.
CommunityDay PlanDay(const Office& office, int community, int day,
                     const PlanOptions& options = {});

// Registry counts per community (no days) plus, for `days` days, the counts of
// their plans. Reference figures filled from office.h.
outpost::scenario::GroundTruth ComputeTruth(const Office& office, int days,
                                            const PlanOptions& options = {});

// Adds the counts of one planned day to `counts`.
void AddDay(const CommunityDay& day, Counts* counts);

// Sums every Counts field of `add` into `into` (by reflection).
void AddCounts(const Counts& add, Counts* into);

// Fields of Counts that differ: "residents: expected 10, got 9", ...;
// `fields` empty compares all.
std::vector<std::string> DiffCounts(const Counts& expected, const Counts& got,
                                    const std::vector<std::string>& fields);

}  // namespace outpost::scenario

#endif  // OUTPOST_TOOLS_SCENARIO_PLAN_H_
