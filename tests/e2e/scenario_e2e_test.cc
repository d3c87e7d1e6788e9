// The reference office end to end, small: a generated office of 3
// communities loaded into real outpostd processes through the public API,
// a day of work with a network cut mid-day (the cut community keeps
// working), real conflicts made while cut and resolved by an operator at
// central after the heal; central's consolidated counts must equal the
// generator's ground truth.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tools/scenario/demo.h"

namespace outpost::scenario {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string templ = ::testing::TempDir() + "/scenario-XXXXXX";
    path_ = mkdtemp(templ.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// `log` collects the demo's progress lines, for failure messages.
DemoOptions SmallOffice(const std::string& dir, std::string* log) {
  DemoOptions options;
  options.dir = dir;
  options.seed = 42;
  options.communities = 3;
  options.scale = 0.02;  // ~150 households and ~430 residents in 3 communities
  options.days = 1;
  options.cut = 1;
  options.conflicts_per_cut = 2;
  options.workers = 4;
  options.sync_full = false;  // the test checks convergence, not fsync
  // Richer than the reference rates, so that every kind of event happens.
  options.quarantine_rate = 0.08;
  options.plan.exit_attempt_rate = 1.0;
  options.plan.fever_rate = 0.02;
  options.plan.edit_rate = 0.02;
  options.converge_timeout = absl::Seconds(60);
  options.progress = [log](const std::string& line) {
    absl::StrAppend(log, line, "\n");
  };
  return options;
}

TEST(ScenarioE2E, CentralEqualsTheGroundTruthAfterCutConflictsAndResolution) {
  TempDir dir;
  std::string log;
  absl::StatusOr<DemoResult> result = RunDemo(SmallOffice(dir.path(), &log));
  ASSERT_TRUE(result.ok()) << result.status() << "\n" << log;
  const Counts& truth = result->truth.total();
  // The office did happen: every kind of event is in the truth.
  EXPECT_EQ(truth.communities(), 3);
  EXPECT_GT(truth.residents(), 300);
  EXPECT_GT(truth.passages(), 200);
  EXPECT_GT(truth.passage_fevers(), 0);
  EXPECT_GT(truth.denials(), 0);
  EXPECT_GT(truth.home_quarantine(), 0);
  EXPECT_GT(truth.health_checks(), 0);
  EXPECT_GT(truth.resident_edits(), 0);
  // Every call succeeded with the planned decision.
  EXPECT_EQ(result->stats.failed, 0) << result->stats.first_error;
  EXPECT_EQ(result->stats.unexpected, 0) << result->stats.first_error;
  // The conflicts were real, listed at central, and resolved.
  EXPECT_EQ(result->conflicts_made, 2);
  EXPECT_EQ(result->conflicts_listed, 2);
  EXPECT_EQ(result->conflicts_resolved, 2);
  // Through the Operator service: none left anywhere, both in the audit.
  EXPECT_EQ(result->conflicts_left, 0);
  EXPECT_EQ(result->audit_resolutions, 2);
  EXPECT_GT(result->heal_changes, 0);
  EXPECT_GT(result->wire_bytes, 0);
  // Central's consolidated view equals the ground truth, per community.
  EXPECT_TRUE(result->differences.empty())
      << absl::StrJoin(result->differences, "\n") << "\n"
      << log;
  ASSERT_EQ(result->central.size(), 3u);
  EXPECT_EQ(result->central.at("yatai").residents(),
            result->truth.communities(0).counts().residents());
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/truth.json"));
  // Central's Consolidation.Summary, after the outage and the resolutions:
  // every figure equals the truth, and the work did happen.
  auto figure = [&](const std::string& prefix) -> FigureRow {
    for (const FigureRow& row : result->figures)
      if (absl::StartsWith(row.label, prefix)) return row;
    ADD_FAILURE() << "no figure " << prefix;
    return {};
  };
  ASSERT_GT(result->figures.size(), 30u);
  for (const FigureRow& row : result->figures)
    EXPECT_EQ(row.central, row.truth) << row.label;
  EXPECT_EQ(figure("社区 communities").central, 3);
  EXPECT_EQ(figure("值守人员 duty staff").central, truth.staff());
  EXPECT_EQ(figure("居民 residents").central, truth.residents());
  EXPECT_EQ(figure("出入登记 passages").central, truth.passages());
  EXPECT_EQ(figure("劝返").central, truth.denials());
  EXPECT_EQ(figure("社区书记和主任").central, 6);
  EXPECT_EQ(figure("街道领导 office leaders").central, 14);
  EXPECT_EQ(figure("街道一线干部").central, 192);
  EXPECT_EQ(figure("日报已报").central, 3);
  EXPECT_EQ(figure("日报未报").central, 0);
  EXPECT_GT(figure("服务请求").central, 0);
  EXPECT_GT(figure("关爱探访").central, 0);
  EXPECT_GT(figure("发放 issued: 口罩 masks").central,
            figure("发放企业口罩").central);
  EXPECT_EQ(figure("捐赠批次").central, 41);
  const ReferenceCounts& ref = result->truth.reference();
  EXPECT_GT(ref.enterprises(), 0);
  EXPECT_EQ(figure("复工企业").central, ref.enterprises());
  EXPECT_EQ(figure("发放企业口罩").central, ref.enterprise_masks());
  EXPECT_EQ(figure("应急处置").central, ref.emergency_responses());
}

// Fewer nodes than communities: one node holds two communities' scopes,
// conflicts left open (no resolver) stay listed, and a second run in the
// same folder starts afresh.
TEST(ScenarioE2E, SharedNodeOpenConflictsAndASecondRun) {
  TempDir dir;
  std::string log;
  DemoOptions options = SmallOffice(dir.path(), &log);
  options.nodes = 2;
  options.resolve = nullptr;
  for (int run = 0; run < 2; ++run) {
    log.clear();
    absl::StatusOr<DemoResult> result = RunDemo(options);
    ASSERT_TRUE(result.ok()) << result.status() << "\n" << log;
    // Node 1 (cut) holds communities 0 and 2: two conflicts each.
    EXPECT_EQ(result->conflicts_made, 4);
    EXPECT_EQ(result->conflicts_resolved, 0);
    EXPECT_EQ(result->truth.total().conflicts(), 4);
    EXPECT_TRUE(result->differences.empty())
        << absl::StrJoin(result->differences, "\n");
  }
}

}  // namespace
}  // namespace outpost::scenario
