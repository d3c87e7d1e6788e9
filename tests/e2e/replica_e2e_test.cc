// End-to-end replication trust (sync/replica.h) with real outpostd processes
// on 127.0.0.1, real database files and a fault proxy as the line to central:
// an office PC replaced by a new one with an empty database, restored from an
// older copy, or copied to a second PC, each writing while central is out of
// reach. Every write ends at central and on the PC, and all verify equal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "tests/e2e/e2e_util.h"
#include "tests/sync/test_util.h"
#include "tools/testbed/fault_proxy.h"
#include "tools/testbed/node_process.h"

namespace outpost::testing {
namespace {

using sync::testing::TempDir;

// Writes `n` households named <prefix><i> at `node` and adds them to `all`.
void WriteHouseholds(NodeProcess& node, const std::string& prefix, int n,
                     std::vector<std::string>* all) {
  for (int i = 0; i < n; ++i) {
    all->push_back(absl::StrCat(prefix, i));
    ASSERT_TRUE(PutField(node, "households", all->back(), "yatai", "room",
                         all->back() + "-room")
                    .ok());
  }
}

// Central, and the line a community reaches it through.
class ReplicaE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    central_dir_ = dir_.File("central");
    std::filesystem::create_directories(central_dir_);
    NodeSpec spec;
    spec.node_id = "central";
    spec.role = "central";
    spec.dir = central_dir_;
    auto central = NodeProcess::Start(spec);
    ASSERT_TRUE(central.ok()) << central.status();
    central_ = *std::move(central);
    auto line = FaultProxy::Start("127.0.0.1", central_->port());
    ASSERT_TRUE(line.ok()) << line.status();
    line_ = *std::move(line);
  }

  // A yatai office PC whose files live in `folder` (under the test's dir).
  std::unique_ptr<NodeProcess> StartPc(const std::string& folder) {
    NodeSpec spec;
    spec.node_id = "yatai";
    spec.role = "community";
    spec.dir = dir_.File(folder);
    std::filesystem::create_directories(spec.dir);
    spec.upstream = absl::StrCat("127.0.0.1:", line_->port());
    auto pc = NodeProcess::Start(spec);
    EXPECT_TRUE(pc.ok()) << pc.status();
    return pc.ok() ? *std::move(pc) : nullptr;
  }

  // Waits until `pc` verifies equal with central and both hold every row.
  void ExpectEverywhere(NodeProcess& pc,
                        const std::vector<std::string>& households) {
    auto has_all = [&](NodeProcess& node) {
      for (const std::string& h : households) {
        if (!GetRow(node, "households", h).ok()) return false;
      }
      return true;
    };
    EXPECT_TRUE(WaitFor(
        [&] { return has_all(*central_) && has_all(pc) && VerifiedEqual(pc); },
        absl::Seconds(30)))
        << "central log:\n"
        << central_->LogTail() << "\nPC log:\n"
        << pc.LogTail();
    for (const std::string& h : households) {
      EXPECT_TRUE(GetRow(*central_, "households", h).ok()) << h;
      EXPECT_TRUE(GetRow(pc, "households", h).ok()) << h;
    }
    auto status = central_->Status();
    ASSERT_TRUE(status.ok());
    EXPECT_EQ(status->dot_conflicts(), 0);
    EXPECT_EQ(status->refused_size(), 0);
  }

  // Starts a PC in `folder` while the line is up, writes `n` households
  // named <prefix><i>, waits until everything in `all` is everywhere, and
  // adds them to `all`.
  std::unique_ptr<NodeProcess> StartAndSync(const std::string& folder,
                                            const std::string& prefix, int n,
                                            std::vector<std::string>* all) {
    auto pc = StartPc(folder);
    if (pc == nullptr) return nullptr;
    WriteHouseholds(*pc, prefix, n, all);
    ExpectEverywhere(*pc, *all);
    return pc;
  }

  static void CopyFiles(const std::string& from, const std::string& to) {
    std::filesystem::create_directories(to);
    // The admin token file comes along, as on a copied disk.
    for (const char* suffix :
         {".db", ".db-wal", ".db-shm", ".db.admin.token"}) {
      const std::string file = absl::StrCat("/yatai", suffix);
      std::filesystem::remove(to + file);
      if (std::filesystem::exists(from + file)) {
        std::filesystem::copy_file(from + file, to + file);
      }
    }
  }

  TempDir dir_;
  std::string central_dir_;
  std::unique_ptr<NodeProcess> central_;
  std::unique_ptr<FaultProxy> line_;
};

TEST_F(ReplicaE2E, AReplacedPcGetsItsCommunityBackAndLosesNoWrite) {
  std::vector<std::string> all;
  StartAndSync("pc", "old-", 5, &all)->Kill();  // the PC dies
  // A new PC, same node id, empty disk, set up while the line is down.
  line_->SetMode(FaultProxy::Mode::kBlackhole);
  std::filesystem::remove_all(dir_.File("pc"));
  auto pc = StartPc("pc");
  ASSERT_NE(pc, nullptr);
  WriteHouseholds(*pc, "new-", 3, &all);
  line_->SetMode(FaultProxy::Mode::kPass);
  ExpectEverywhere(*pc, all);
}

TEST_F(ReplicaE2E, APcRestoredFromAnOlderCopyLosesNoWrite) {
  std::vector<std::string> all;
  auto pc = StartAndSync("pc", "a-", 3, &all);
  ASSERT_NE(pc, nullptr);
  ASSERT_EQ(pc->Stop(), 0);
  CopyFiles(dir_.File("pc"), dir_.File("backup"));  // yesterday's copy
  pc = StartAndSync("pc", "b-", 4, &all);
  ASSERT_NE(pc, nullptr);
  // The disk fails; the copy is restored while the line is down.
  line_->SetMode(FaultProxy::Mode::kBlackhole);
  pc->Kill();
  CopyFiles(dir_.File("backup"), dir_.File("pc"));
  pc = StartPc("pc");
  ASSERT_NE(pc, nullptr);
  WriteHouseholds(*pc, "c-", 3, &all);
  line_->SetMode(FaultProxy::Mode::kPass);
  ExpectEverywhere(*pc, all);
}

TEST_F(ReplicaE2E, TwoPcsStartedFromOneCopiedDatabaseLoseNoWrite) {
  std::vector<std::string> all;
  auto pc = StartAndSync("pc", "a-", 3, &all);
  ASSERT_NE(pc, nullptr);
  ASSERT_EQ(pc->Stop(), 0);
  CopyFiles(dir_.File("pc"), dir_.File("clone"));
  line_->SetMode(FaultProxy::Mode::kBlackhole);
  pc = StartPc("pc");
  auto clone = StartPc("clone");
  ASSERT_NE(pc, nullptr);
  ASSERT_NE(clone, nullptr);
  WriteHouseholds(*pc, "pc-", 3, &all);
  WriteHouseholds(*clone, "clone-", 3, &all);
  line_->SetMode(FaultProxy::Mode::kPass);
  ExpectEverywhere(*pc, all);
  ExpectEverywhere(*clone, all);
  auto status = central_->Status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(VvGet(status->vv(), "yatai"), 9u);
}

}  // namespace
}  // namespace outpost::testing
