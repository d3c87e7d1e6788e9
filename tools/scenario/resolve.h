// The operator's step after a heal: settle the conflicts central lists,
// through the Operator service (`outpost conflicts resolve`): each one is
// shown in words (ConflictShow), then resolved by picking a value with a
// reason and the operator's name, which writes sys_resolutions and reaches
// the audit trail on every node holding the row.
#ifndef OUTPOST_TOOLS_SCENARIO_RESOLVE_H_
#define OUTPOST_TOOLS_SCENARIO_RESOLVE_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "client/client.h"
#include "outpost/v1/node.pb.h"

namespace outpost::scenario {

// The operator who settles the demo's conflicts, and why.
inline constexpr char kDemoOperator[] = "街道值班员 duty operator";
inline constexpr char kDemoReason[] =
    "社区核实的号码 the community desk verified this number with the resident";

// How the operator settles the conflicts central lists after the heal;
// `say` gets one line per fact shown. Returns how many it resolved.
using ConflictResolver = std::function<absl::StatusOr<int>(
    client::Client& central, const outpost::v1::ConflictsResponse& conflicts,
    const std::function<void(const std::string&)>& say)>;

// For each conflict: ConflictShow (the row in words, every value with its
// origin), then ConflictResolve picking the value entered at the community
// (an origin other than central), with kDemoReason by kDemoOperator.
absl::StatusOr<int> ResolveThroughOperator(
    client::Client& central, const outpost::v1::ConflictsResponse& conflicts,
    const std::function<void(const std::string&)>& say);

}  // namespace outpost::scenario

#endif  // OUTPOST_TOOLS_SCENARIO_RESOLVE_H_
