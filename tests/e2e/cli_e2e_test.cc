// The `outpost` CLI against real nodes: output, --json, exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/e2e/cli_util.h"
#include "tests/e2e/e2e_util.h"
#include "tests/sync/test_util.h"
#include "tools/testbed/node_process.h"

namespace outpost::testing {
namespace {

using sync::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

// A community node whose upstream is unreachable: it works offline.
absl::StatusOr<std::unique_ptr<NodeProcess>> StartOfflineCommunity(
    const TempDir& dir) {
  return NodeProcess::Start(
      {"yatai", "community", dir.path(), "127.0.0.1:1", "127.0.0.1:0", {}});
}

TEST(CliE2E, StatusVerifyConflictsAndExitCodes) {
  TempDir dir;
  NodeSpec central_spec{"central", "central",     dir.path(),
                        "",        "127.0.0.1:0", {}};
  auto central = NodeProcess::Start(central_spec);
  ASSERT_TRUE(central.ok()) << central.status();
  NodeSpec spec{"yatai",       "community", dir.path(), (*central)->address(),
                "127.0.0.1:0", {}};
  auto community = NodeProcess::Start(spec);
  ASSERT_TRUE(community.ok()) << community.status();
  ASSERT_TRUE(PutPassages(**community, "yatai", 0, 20).ok());
  const std::string node = "--node=" + (*community)->address();

  CliRun status = Cli({node, "status"});
  EXPECT_EQ(status.code, 0) << status.out;
  EXPECT_THAT(status.out, HasSubstr("yatai (community)"));
  CliRun json = Cli({node, "--json", "status"});
  EXPECT_EQ(json.code, 0) << json.out;
  EXPECT_THAT(json.out, HasSubstr("\"node_id\": \"yatai\""));
  EXPECT_THAT(json.out, HasSubstr("\"open_conflicts\""));

  ASSERT_TRUE(WaitFor(
      [&] {
        return Cli({node, "verify"}).code == 0;
      },
      absl::Seconds(20)));
  CliRun verify = Cli({node, "--json", "verify"});
  EXPECT_EQ(verify.code, 0) << verify.out;
  EXPECT_THAT(verify.out, HasSubstr("\"all_equal\": true"));
  // Central has no upstream: verify is refused there, with the reason.
  CliRun at_central = Cli({"--node=" + (*central)->address(), "verify"});
  EXPECT_EQ(at_central.code, 1) << at_central.out;
  EXPECT_THAT(at_central.out, HasSubstr("no upstream"));

  CliRun conflicts = Cli({node, "--json", "conflicts", "list"});
  EXPECT_EQ(conflicts.code, 0) << conflicts.out;

  // Usage errors and an unreachable node, each with one clear line.
  EXPECT_EQ(Cli({node}).code, 2);
  EXPECT_EQ(Cli({node, "fly"}).code, 2);
  EXPECT_EQ(Cli({"--node=nonsense", "status"}).code, 2);
  const int port = (*community)->port();
  (*community)->Stop();
  CliRun down = Cli(
      {absl::StrCat("--node=127.0.0.1:", port), "--timeout_ms=1500", "status"});
  EXPECT_EQ(down.code, 3) << down.out;
  EXPECT_THAT(down.out, HasSubstr("unreachable"));
}

// Help needs no node: --help lists the flags, `help` the commands,
// `help COMMAND` one command's usage, the same text its usage errors show.
TEST(CliE2E, HelpListsFlagsCommandsAndOneCommandsUsage) {
  CliRun flags = Cli({"--help"});
  EXPECT_EQ(flags.code, 0) << flags.out;
  EXPECT_THAT(flags.out, Not(HasSubstr("No flags matched")));
  for (const char* flag : {"--node (", "--json (", "--timeout_ms (",
                           "--token (", "--tls_ca (", "--reason ("}) {
    EXPECT_THAT(flags.out, HasSubstr(flag));
  }
  EXPECT_THAT(flags.out, HasSubstr("conflicts resolve ID"));

  CliRun all = Cli({"help"});
  EXPECT_EQ(all.code, 0) << all.out;
  for (const char* command : {"status", "resident", "conflicts", "report",
                              "token", "outpost help COMMAND"}) {
    EXPECT_THAT(all.out, HasSubstr(command));
  }

  CliRun conflicts = Cli({"help", "conflicts"});
  EXPECT_EQ(conflicts.code, 0) << conflicts.out;
  EXPECT_THAT(conflicts.out, HasSubstr("冲突"));
  EXPECT_THAT(conflicts.out, HasSubstr("outpost conflicts list"));
  EXPECT_THAT(conflicts.out, HasSubstr("outpost conflicts resolve ID"));
  EXPECT_THAT(conflicts.out, Not(HasSubstr("quarantine")));
  CliRun resident = Cli({"help", "resident"});
  EXPECT_EQ(resident.code, 0) << resident.out;
  EXPECT_THAT(resident.out, HasSubstr("outpost resident show ID"));

  CliRun nosuch = Cli({"help", "nosuch"});
  EXPECT_EQ(nosuch.code, 2) << nosuch.out;
  EXPECT_THAT(nosuch.out, HasSubstr("\"nosuch\""));
  EXPECT_THAT(nosuch.out, HasSubstr("conflicts"));
  EXPECT_EQ(Cli({"help", "conflicts", "list"}).code, 2);

  // An unknown subcommand shows the command's usage, before any call.
  CliRun bad = Cli({"--node=127.0.0.1:1", "conflicts", "fly"});
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_THAT(bad.out, HasSubstr("outpost conflicts resolve ID"));
  bad = Cli({"--node=127.0.0.1:1", "resident", "fly"});
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_THAT(bad.out, HasSubstr("outpost resident find"));
}

TEST(CliE2E, RegistryCheckpointAndAlertCommands) {
  TempDir dir;
  auto node = StartOfflineCommunity(dir);
  ASSERT_TRUE(node.ok()) << node.status();
  const std::string n = "--node=" + (*node)->address();
  EXPECT_EQ(Cli({n, "compound", "add", "--id=yt-01", "--community=yatai",
                 "--name=亚泰小区"})
                .code,
            0);
  EXPECT_EQ(Cli({n, "checkpoint", "add", "--id=cp-01", "--compound=yt-01",
                 "--name=北门"})
                .code,
            0);
  CliRun hh =
      Cli({n, "--json", "household", "add", "--community=yatai",
           "--compound=yt-01", "--building=3", "--unit=2", "--room=501"});
  ASSERT_EQ(hh.code, 0) << hh.out;
  const size_t at = hh.out.find("hh-");
  ASSERT_NE(at, std::string::npos) << hh.out;
  const std::string household = hh.out.substr(at, 19);
  CliRun added =
      Cli({n, "resident", "add", "--household=" + household, "--name=张伟",
           "--id_number=11010519491231002X", "--phone=13800000001"});
  EXPECT_EQ(added.code, 0) << added.out;
  CliRun typo = Cli({n, "resident", "add", "--household=" + household,
                     "--name=张伟", "--id_number=110105194912310021"});
  EXPECT_EQ(typo.code, 2);
  EXPECT_THAT(typo.out, HasSubstr("id_number"));
  CliRun pass =
      Cli({n, "pass", "--checkpoint=cp-01", "--id_number=11010519491231002X",
           "--direction=in", "--temp=38.2", "--staff=王"});
  EXPECT_EQ(pass.code, 0) << pass.out;
  EXPECT_THAT(pass.out, HasSubstr("FEVER"));
  EXPECT_THAT(pass.out, HasSubstr("110105********002X"));
  EXPECT_EQ(
      Cli({n, "pass", "--checkpoint=cp-01", "--id_number=11010519491231002X",
           "--direction=in", "--temp=31"})
          .code,
      2);
  // A closed gate refuses passages, with the reason, until it opens again.
  CliRun closed = Cli({n, "--json", "checkpoint", "close", "cp-01"});
  EXPECT_EQ(closed.code, 0) << closed.out;
  EXPECT_THAT(closed.out, HasSubstr("\"active\": false"));
  CliRun refused =
      Cli({n, "pass", "--checkpoint=cp-01", "--id_number=11010519491231002X",
           "--direction=in", "--temp=36.5"});
  EXPECT_EQ(refused.code, 1) << refused.out;
  EXPECT_THAT(refused.out, HasSubstr("checkpoint: \"cp-01\" is closed"));
  EXPECT_EQ(Cli({n, "checkpoint", "close", "cp-99"}).code, 1);
  CliRun opened = Cli({n, "checkpoint", "open", "cp-01"});
  EXPECT_EQ(opened.code, 0) << opened.out;
  EXPECT_THAT(opened.out, HasSubstr("cp-01 北门: 已开放 open"));
  EXPECT_THAT(Cli({n, "--json", "checkpoint", "list"}).out,
              HasSubstr("\"active\": true"));
  CliRun show =
      Cli({n, "--json", "resident", "find", "--id_number=11010519491231002X"});
  EXPECT_THAT(show.out, HasSubstr("\"name\": \"张伟\""));
  EXPECT_THAT(show.out,
              ::testing::Not(HasSubstr("11010519491231002X")));  // masked
  CliRun alerts = Cli({n, "--json", "alerts", "list", "--status=open"});
  EXPECT_THAT(alerts.out, HasSubstr("fever"));
  // Duty staff at the checkpoint; their community comes from it.
  EXPECT_EQ(
      Cli({n, "staff", "add", "--id=s1", "--name=刘强", "--checkpoint=cp-01",
           "--shift=08:00-16:00", "--phone=13900000000"})
          .code,
      0);
  CliRun bad_shift = Cli({n, "staff", "add", "--id=s2", "--name=赵敏",
                          "--checkpoint=cp-01", "--shift=8 to 4"});
  EXPECT_EQ(bad_shift.code, 2);
  EXPECT_THAT(bad_shift.out, HasSubstr("shift"));
  EXPECT_THAT(Cli({n, "--json", "staff", "list"}).out,
              HasSubstr("\"community\": \"yatai\""));
  // A community node may register its own community, not another.
  EXPECT_EQ(Cli({n, "community", "add", "--id=yatai", "--name=亚泰社区"}).code,
            0);
  EXPECT_EQ(Cli({n, "community", "add", "--id=heping", "--name=和平社区"}).code,
            1);
  // The community's secretary belongs to the community, at no checkpoint;
  // the office's own people belong to the sub-district, held by central
  // only, so a community node refuses them.
  EXPECT_EQ(
      Cli({n, "staff", "add", "--id=sec", "--name=周红", "--role=secretary",
           "--community=yatai", "--shift=08:00-22:00"})
          .code,
      0);
  CliRun no_community = Cli({n, "staff", "add", "--id=dir", "--name=吴军",
                             "--role=director", "--shift=08:00-22:00"});
  EXPECT_EQ(no_community.code, 2);
  EXPECT_THAT(no_community.out, HasSubstr("community"));
  CliRun leader = Cli({n, "staff", "add", "--id=ld", "--name=郑伟",
                       "--role=office_leader", "--shift=08:00-22:00"});
  EXPECT_EQ(leader.code, 1);
  EXPECT_THAT(leader.out, HasSubstr("subdistrict"));
  // A temporary party branch at the compound with its party-member post.
  EXPECT_EQ(Cli({n, "party", "add", "--id=pb1", "--name=亚泰临时党支部",
                 "--compound=yt-01", "--posts=cp-01"})
                .code,
            0);
  CliRun bad_post = Cli({n, "party", "add", "--id=pb2", "--name=x",
                         "--compound=yt-01", "--posts=cp-01,cp-99"});
  EXPECT_EQ(bad_post.code, 1);
  EXPECT_THAT(bad_post.out, HasSubstr("posts: checkpoint \"cp-99\""));
  CliRun branches = Cli({n, "--json", "party", "list", "--community=yatai"});
  EXPECT_THAT(branches.out, HasSubstr("\"posts\": [\n    \"cp-01\""));
  EXPECT_THAT(branches.out, ::testing::Not(HasSubstr("pb2")));
  EXPECT_THAT(Cli({n, "staff", "add", "--id=x", "--name=x", "--role=mayor",
                   "--community=yatai", "--shift=08:00-22:00"})
                  .out,
              HasSubstr("office_leader"));
}

TEST(CliE2E, HealthMonitoringOfKeyPersons) {
  TempDir dir;
  auto node = StartOfflineCommunity(dir);
  ASSERT_TRUE(node.ok()) << node.status();
  const std::string n = "--node=" + (*node)->address();
  CliRun hh = Cli({n, "--json", "household", "add", "--community=yatai",
                   "--compound=c1", "--building=1", "--room=101"});
  const std::string household = hh.out.substr(hh.out.find("hh-"), 19);
  CliRun added =
      Cli({n, "--json", "resident", "add", "--household=" + household,
           "--name=王芳", "--id_number=11010519491231002X"});
  ASSERT_EQ(added.code, 0) << added.out;
  const std::string id = added.out.substr(added.out.find("r-"), 22);
  // Not under control: nobody is due.
  EXPECT_THAT(Cli({n, "--json", "health", "due"}).out,
              ::testing::Not(HasSubstr(id)));
  ASSERT_EQ(Cli({n, "resident", "update", id, "--control=home_quarantine",
                 "--control_start=2020-02-01", "--special_care=elderly_alone"})
                .code,
            0);
  EXPECT_EQ(Cli({n, "resident", "update", id, "--control_end=2020-02-30"}).code,
            2);
  CliRun listed = Cli({n, "--json", "resident", "list", "--compound=c1"});
  EXPECT_THAT(listed.out, HasSubstr("\"special_care\": \"elderly_alone\""));
  EXPECT_THAT(listed.out, HasSubstr("\"control_start\": \"2020-02-01\""));
  EXPECT_THAT(Cli({n, "--json", "resident", "list", "--compound=c9"}).out,
              ::testing::Not(HasSubstr(id)));
  // Under home quarantine and never checked: a missed check, with an alert.
  CliRun due = Cli({n, "--json", "health", "due"});
  EXPECT_THAT(due.out, HasSubstr(id));
  EXPECT_THAT(due.out, HasSubstr("\"missed\": true"));
  EXPECT_THAT(Cli({n, "--json", "alerts", "list"}).out,
              HasSubstr("missed_check"));
  // A check with fever raises an alert; after it, nobody is due.
  CliRun fever = Cli({n, "--json", "health", "record", "--resident=" + id,
                      "--temp=38.4", "--by=team-2"});
  EXPECT_EQ(fever.code, 0) << fever.out;
  EXPECT_THAT(fever.out, HasSubstr("\"fever\": true"));
  EXPECT_THAT(Cli({n, "--json", "health", "due"}).out,
              ::testing::Not(HasSubstr(id)));
  EXPECT_EQ(Cli({n, "health", "record", "--resident=" + id, "--temp=45"}).code,
            2);
  EXPECT_EQ(
      Cli({n, "health", "record", "--resident=r-nobody", "--temp=36.5"}).code,
      1);
}

TEST(CliE2E, ImportIsAllOrNothingUnlessSkipBad) {
  TempDir dir;
  auto node = StartOfflineCommunity(dir);
  ASSERT_TRUE(node.ok()) << node.status();
  const std::string n = "--node=" + (*node)->address();
  const std::string csv = dir.File("registry.csv");
  {
    FILE* f = fopen(csv.c_str(), "w");
    fputs(
        "\xEF\xBB\xBFname,id_number,community,compound,building,unit,room,"
        "phone\n",
        f);
    fputs("张伟,11010519491231002X,yatai,c1,3,2,501,13800000001\n", f);
    fputs("\"欧阳, 娜\",110105194912310021,yatai,c1,3,2,501,\n",
          f);  // bad check digit
    fputs("王芳,440524198001010013,heping,c9,1,1,101,\n",
          f);  // another community
    fputs("李娜,11010519491231002X,yatai,c1,3,2,502,\n",
          f);  // same number again
    fclose(f);
  }
  CliRun strict = Cli({n, "import", "residents", csv});
  EXPECT_EQ(strict.code, 2) << strict.out;
  EXPECT_THAT(strict.out, HasSubstr("nothing written"));
  EXPECT_THAT(strict.out, HasSubstr("line 3: id_number"));
  EXPECT_THAT(strict.out, HasSubstr("line 4: community"));
  EXPECT_THAT(strict.out, HasSubstr("line 5: id_number"));
  EXPECT_THAT(Cli({n, "--json", "resident", "list"}).out,
              ::testing::Not(HasSubstr("张伟")));

  CliRun lenient = Cli({n, "--json", "import", "residents", csv, "--skip_bad"});
  EXPECT_EQ(lenient.code, 0) << lenient.out;
  EXPECT_THAT(lenient.out, HasSubstr("\"residents\": \"1\""));
  EXPECT_THAT(Cli({n, "--json", "resident", "list"}).out, HasSubstr("张伟"));
  // Human output is a table aligned for Chinese (two columns a character).
  const std::string household = Cli({n, "--json", "resident", "list"}).out;
  const size_t at = household.find("hh-");
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(
      Cli({n, "resident", "add", "--household=" + household.substr(at, 19),
           "--name=欧阳娜娜", "--id_number=440524198001010013"})
          .code,
      0);
  const std::string table = Cli({n, "resident", "list"}).out;
  EXPECT_THAT(table, HasSubstr("张伟      110105********002X"));
  EXPECT_THAT(table, HasSubstr("欧阳娜娜  440524********0013"));
  FILE* rejects = fopen((csv + ".rejects.csv").c_str(), "r");
  ASSERT_NE(rejects, nullptr);
  char buffer[4096] = {0};
  fread(buffer, 1, sizeof(buffer) - 1, rejects);
  fclose(rejects);
  EXPECT_THAT(std::string(buffer), HasSubstr("欧阳, 娜"));
  EXPECT_EQ(Cli({n, "import", "residents", dir.File("missing.csv")}).code, 2);
}

// Tokens from the CLI: the admin creates, lists and revokes; a checkpoint
// token is refused what its role may not do (exit 1, naming the role).
TEST(CliE2E, TokenCommandsAndRoles) {
  TempDir dir;
  auto node = StartOfflineCommunity(dir);
  ASSERT_TRUE(node.ok()) << node.status();
  const std::string n = "--node=" + (*node)->address();
  CliRun created = Cli({n, "--json", "token", "create", "--role=checkpoint",
                        "--scope=yatai", "--name=北门 gate 1"});
  const std::string token = CreatedToken(created);
  ASSERT_EQ(token.substr(0, 4), "opt_") << created.out;
  CliRun list = Cli({n, "token", "list"});
  EXPECT_EQ(list.code, 0);
  EXPECT_THAT(list.out, HasSubstr("北门 gate 1"));
  EXPECT_THAT(list.out, HasSubstr("checkpoint"));
  EXPECT_EQ(list.out.find(token), std::string::npos);  // shown once only

  CliRun denied = Cli({n, "--token=" + token, "conflicts", "list"});
  EXPECT_EQ(denied.code, 1);
  EXPECT_THAT(denied.out, HasSubstr("role checkpoint may not call"));
  EXPECT_EQ(Cli({n, "--token=" + token, "checkpoint", "list"}).code, 0);
  CliRun bogus = Cli({n, "--token=opt_bogus", "status"});
  EXPECT_EQ(bogus.code, 1);
  EXPECT_THAT(bogus.out, HasSubstr("unknown or revoked token"));
  EXPECT_EQ(Cli({n, "token", "create", "--role=registrar"}).code,
            2);  // no scope
  EXPECT_EQ(Cli({n, "--token=" + token, "token", "list"}).code, 1);

  const size_t id_at = created.out.find("\"id\": \"");
  ASSERT_NE(id_at, std::string::npos);
  const std::string id = created.out.substr(id_at + 7, 8);
  // Full ID-card numbers: not for a checkpoint; the admin's read is audited.
  ASSERT_EQ(Cli({n, "compound", "add", "--id=yt-01", "--community=yatai",
                 "--name=亚泰"})
                .code,
            0);
  CliRun household = Cli({n, "--json", "household", "add", "--community=yatai",
                          "--compound=yt-01", "--building=1", "--room=101"});
  const size_t h = household.out.find("\"id\": \"");
  ASSERT_NE(h, std::string::npos) << household.out;
  const std::string household_id =
      household.out.substr(h + 7, household.out.find('"', h + 7) - h - 7);
  CliRun resident =
      Cli({n, "--json", "resident", "add", "--household=" + household_id,
           "--name=张伟", "--id_number=11010519491231002X"});
  const size_t r = resident.out.find("\"id\": \"");
  ASSERT_NE(r, std::string::npos) << resident.out;
  const std::string resident_id =
      resident.out.substr(r + 7, resident.out.find('"', r + 7) - r - 7);
  EXPECT_THAT(Cli({n, "resident", "show", resident_id}).out,
              HasSubstr("110105********002X"));
  EXPECT_THAT(Cli({n, "resident", "show", resident_id, "--unmasked"}).out,
              HasSubstr("11010519491231002X"));
  EXPECT_EQ(Cli({n, "--token=" + token, "resident", "show", resident_id,
                 "--unmasked"})
                .code,
            1);
  EXPECT_THAT((*node)->LogTail(), HasSubstr("audit: admin"));

  EXPECT_EQ(Cli({n, "token", "revoke", id}).code, 0);
  EXPECT_EQ(Cli({n, "--token=" + token, "checkpoint", "list"}).code, 1);
}

}  // namespace
}  // namespace outpost::testing
