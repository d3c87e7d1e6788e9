// Central's consolidated summary (Consolidation.Summary, what `outpost
// summary` prints, plus report completeness) against the generator's ground
// truth and the reference office's figures: one row per figure.
#ifndef OUTPOST_TOOLS_SCENARIO_SUMMARY_CHECK_H_
#define OUTPOST_TOOLS_SCENARIO_SUMMARY_CHECK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "outpost/v1/consolidation.pb.h"
#include "tools/scenario/truth.pb.h"

namespace outpost::scenario {

struct FigureRow {
  std::string label;  // bilingual
  int64_t central = 0;
  int64_t truth = 0;
  int64_t reference = -1;  // the reference office's figure; -1: none
};

// Roles of the duty staff at the checkpoints (the 779).
const std::vector<std::string>& DutyRoles();

// Every figure central's summary carries, with the truth's value and the
// reference figure.
std::vector<FigureRow> SummaryFigures(
    const GroundTruth& truth, const outpost::v1::SummaryResponse& summary,
    const outpost::v1::CompletenessResponse& completeness);

// One line per row whose central value differs from the truth, and (when
// `full_office`: all 18 communities at scale 1) whose truth differs from the
// reference figure.
std::vector<std::string> FigureDifferences(const std::vector<FigureRow>& rows,
                                           bool full_office);

// "figure | central | truth | reference", bilingual, aligned.
std::string FormatFigures(const std::vector<FigureRow>& rows);

}  // namespace outpost::scenario

#endif  // OUTPOST_TOOLS_SCENARIO_SUMMARY_CHECK_H_
