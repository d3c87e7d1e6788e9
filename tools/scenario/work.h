// The office's work beyond the registry (supplies issued, donations,
// enterprises, party posts, emergency responses, office leaders and staff),
// generated so that the records sum to the reference figures. Part of
// GenerateOffice (office.h); separate to keep files small.
#ifndef OUTPOST_TOOLS_SCENARIO_WORK_H_
#define OUTPOST_TOOLS_SCENARIO_WORK_H_

#include "tools/scenario/office.h"
#include "tools/scenario/people.h"
#include "tools/scenario/random.h"

namespace outpost::scenario {

// Fills the work records of a full office (18 communities) whose structure
// and registry are generated.
void GenerateWork(Office& office, PeopleMaker& people, Rng& rng);

}  // namespace outpost::scenario

#endif  // OUTPOST_TOOLS_SCENARIO_WORK_H_
