// The operator's step after a heal: settle the conflicts central lists.
// This is where issue 6's `outpost conflicts resolve` (Admin.ResolveConflict,
// with its audit record) plugs in: a ConflictResolver that calls it replaces
// ResolveByReentering as DemoOptions::resolve's default.
#ifndef OUTPOST_TOOLS_SCENARIO_RESOLVE_H_
#define OUTPOST_TOOLS_SCENARIO_RESOLVE_H_

#include <functional>

#include "absl/status/statusor.h"
#include "client/client.h"
#include "outpost/v1/node.pb.h"

namespace outpost::scenario {

// How the operator settles the conflicts central lists after the heal.
// Returns how many it resolved. The default (ResolveByReentering) re-enters
// the community's value at central: an ordinary write that supersedes every
// sibling it has seen, so the conflict closes everywhere once it replicates.
// Issue 6's `outpost conflicts resolve` (Admin.ResolveConflict, with its
// audit record) plugs in here instead.
using ConflictResolver = std::function<absl::StatusOr<int>(
    client::Client& central, const outpost::v1::ConflictsResponse& conflicts)>;

absl::StatusOr<int> ResolveByReentering(
    client::Client& central, const outpost::v1::ConflictsResponse& conflicts);

}  // namespace outpost::scenario

#endif  // OUTPOST_TOOLS_SCENARIO_RESOLVE_H_
