// The office's work beyond the registry, played through the Consolidation
// service (proto/outpost/v1/consolidation.proto) so that central's
// `outpost summary` carries the reference figures:
//   - at each community's node after its registry: the enterprises filing to
//     reopen (added, then moved to `reopened`);
//   - at central (the warehouse's scope `subdistrict` is held there only):
//     the 41 donation batches and the procurement received at the warehouse,
//     then every issue of the work records (office.h SupplyIssue) from the
//     warehouse to its community or enterprise, so that the issued totals
//     per item are the reference figures;
//   - each community's day: service requests of its quarantined homes
//     (requested, accepted, delivered), a care visit to each special-care
//     resident (office.h NeedsCareVisits), on the first day masks moved on to
//     its checkpoints (transfers, not issues) and its emergency responses
//     (an incident with actions until closed), and at the end of the day its
//     daily report (a zero report only when the day had no activity).
#ifndef OUTPOST_TOOLS_SCENARIO_WORK_PLAY_H_
#define OUTPOST_TOOLS_SCENARIO_WORK_PLAY_H_

#include <string>

#include "absl/status/status.h"
#include "client/client.h"
#include "tools/scenario/office.h"
#include "tools/scenario/plan.h"

namespace outpost::scenario {

// The date daily reports are filed for: the local date the passages are
// recorded on (the nodes stamp passages with the real time).
std::string ReportDate();

absl::Status LoadCommunityWork(const Office& office, int community,
                               client::Client& client);

absl::Status LoadCentralWork(const Office& office, client::Client& central);

// `id_key`: the nodes' key for resident ids (care visits name residents).
absl::Status PlayCommunityWork(const Office& office, const CommunityDay& day,
                               const std::string& id_key,
                               client::Client& client);

}  // namespace outpost::scenario

#endif  // OUTPOST_TOOLS_SCENARIO_WORK_PLAY_H_
