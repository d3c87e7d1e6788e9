// The reference office end to end on one machine: central and the community
// nodes as real outpostd processes on 127.0.0.1, a fault proxy between each
// community node and central, the generated office loaded through the public
// API, days of work played at the communities, a network cut for some of
// them mid-day (their checkpoints keep working), real conflicts (the same
// resident edited at a community and at central while cut), heal, conflict
// resolution by an operator, and central's consolidated totals compared with
// the generator's ground truth.
//
//   DemoOptions options;
//   options.dir = "demo-data";
//   absl::StatusOr<DemoResult> result = RunDemo(options);
//   // result->differences is empty when central matches the truth.
//
// Everything it starts it stops before returning (and the nodes die with the
// process: tools/testbed/node_process.h). Its files stay under `dir`.
#ifndef OUTPOST_TOOLS_SCENARIO_DEMO_H_
#define OUTPOST_TOOLS_SCENARIO_DEMO_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/client.h"
#include "tools/scenario/driver.h"
#include "tools/scenario/office.h"
#include "tools/scenario/plan.h"
#include "tools/scenario/resolve.h"
#include "tools/scenario/summary_check.h"
#include "tools/scenario/truth.pb.h"
#include "tools/scenario/work_play.h"

namespace outpost::scenario {

struct DemoOptions {
  std::string dir;  // required; the nodes' files go to DIR/nodes (wiped)
  uint64_t seed = 2020;
  double scale = 1.0;
  int communities = 18;  // the first N of the office's 18
  // Community nodes; the communities are spread over them round-robin (a
  // node holds several communities' scopes). 0: one node per community.
  int nodes = 0;
  int days = 1;
  int cut = 3;                // nodes cut from central mid-day on day 1
  int conflicts_per_cut = 2;  // residents edited at both ends while cut
  int workers = 32;           // client threads (terminals, desks) at work
  bool sync_full = true;      // outpostd --sync_full
  double quarantine_rate = OfficeOptions().quarantine_rate;
  PlanOptions plan;  // rates of the simulated days
  absl::Duration converge_timeout = absl::Minutes(5);
  ConflictResolver resolve = ResolveThroughOperator;
  // The work beyond the registry (work_play.h: enterprises, the warehouse's
  // receipts and issues, services, incidents, daily reports): load_work
  // after a community's registry is loaded (at its node), central_work once
  // central holds the registry (at central), play_work after each
  // community's day is played (at its node). Unset: that work is skipped.
  std::function<absl::Status(const Office&, int community, client::Client&)>
      load_work = LoadCommunityWork;
  std::function<absl::Status(const Office&, client::Client& central)>
      central_work = LoadCentralWork;
  std::function<absl::Status(const Office&, const CommunityDay&,
                             const std::string& id_key, client::Client&)>
      play_work = PlayCommunityWork;
  // One line of progress (default: none).
  std::function<void(const std::string&)> progress;
};

// Besides the report, RunDemo writes DIR/truth.json (the ground truth) and
// DIR/central.json (central's counts per community), protobuf JSON.
struct DemoResult {
  GroundTruth truth;                      // what central must show
  std::map<std::string, Counts> central;  // what it shows at the end
  // Central's Consolidation.Summary (and report completeness) against the
  // truth and the reference figures.
  std::vector<FigureRow> figures;
  std::vector<std::string> differences;  // empty: central equals the truth
  DayStats stats;                        // every call the clients made
  int64_t conflicts_made = 0;
  int64_t conflicts_listed = 0;  // at central after the heal
  int64_t conflicts_resolved = 0;
  int64_t conflicts_left = 0;     // on any node after the resolutions
  int64_t audit_resolutions = 0;  // `resolve` entries in central's audit
  int64_t changes_synced = 0;     // community changes applied at central
  int64_t heal_changes = 0;       // synced after the heal
  double reconnect_seconds = 0;   // heal -> the cut nodes reconnected
  double heal_seconds = 0;        // reconnected -> all nodes verified equal
  int64_t wire_bytes = 0;         // through the proxies, both ways
  double seconds = 0;             // the whole run
  std::string report;             // the human summary printed at the end
};

absl::StatusOr<DemoResult> RunDemo(const DemoOptions& options);

}  // namespace outpost::scenario

#endif  // OUTPOST_TOOLS_SCENARIO_DEMO_H_
