// Central's consolidated view of the office, read through the public gRPC API
// and counted the way the ground truth counts (tools/scenario/truth.proto):
// row counts per (table, community) from Admin.Digests, compound kinds,
// residents under control, alerts by kind, open conflicts.
//
// The domain's own consolidated report (`outpost summary`) is compared in
// summary_check.h.
#ifndef OUTPOST_TOOLS_SCENARIO_CONSOLIDATE_H_
#define OUTPOST_TOOLS_SCENARIO_CONSOLIDATE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/client.h"
#include "tools/scenario/truth.pb.h"

namespace outpost::scenario {

// The Counts fields central can observe (compared against the truth).
const std::vector<std::string>& ObservableFields();

// Counts per community id, as `node` (central) holds them.
absl::StatusOr<std::map<std::string, Counts>> ReadCentralCounts(
    client::Client& node);

// Compares central's counts with the truth, per community and in total;
// returns one line per difference (empty when all equal).
std::vector<std::string> CompareWithTruth(
    const GroundTruth& truth, const std::map<std::string, Counts>& central);

// A bilingual table of the truth's totals against central's, one line per
// observable field, for people.
std::string FormatTotals(const GroundTruth& truth,
                         const std::map<std::string, Counts>& central);

// The reference figures (supplies, donations, enterprises, ...), bilingual.
std::string FormatReference(const GroundTruth& truth);

}  // namespace outpost::scenario

#endif  // OUTPOST_TOOLS_SCENARIO_CONSOLIDATE_H_
