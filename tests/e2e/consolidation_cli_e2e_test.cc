// The consolidation commands of the `outpost` CLI against a real central
// node: services, care visits, incidents, enterprises, supplies to an
// enterprise, summary, completeness JSON and CSV export.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "server/id_card.h"
#include "tests/e2e/cli_util.h"
#include "tests/e2e/e2e_util.h"
#include "tests/sync/test_util.h"
#include "tools/testbed/node_process.h"

namespace outpost::testing {
namespace {

using sync::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

// The first "id": "..." of a --json answer.
std::string JsonId(const std::string& json) {
  const std::string key = "\"id\": \"";
  const size_t at = json.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return json.substr(start, json.find('"', start) - start);
}

TEST(ConsolidationCliE2E, CentralOfficeWorkflows) {
  TempDir dir;
  auto central = NodeProcess::Start({"central",
                                     "central",
                                     dir.path(),
                                     "",
                                     "127.0.0.1:0",
                                     {"--report_deadline=08:30"}});
  ASSERT_TRUE(central.ok()) << central.status();
  const std::string node = "--node=" + (*central)->address();
  auto ok = [&](const std::vector<std::string>& args) {
    std::vector<std::string> all = {node, "--json"};
    all.insert(all.end(), args.begin(), args.end());
    CliRun run = Cli(all);
    EXPECT_EQ(run.code, 0) << absl::StrJoin(args, " ") << ": " << run.out;
    return run.out;
  };
  auto refused = [&](const std::vector<std::string>& args) {
    std::vector<std::string> all = {node};
    all.insert(all.end(), args.begin(), args.end());
    return Cli(all);
  };
  ok({"community", "add", "--id=yatai", "--name=亚泰"});
  ok({"compound", "add", "--id=yt-01", "--community=yatai", "--name=亚泰小区"});
  const std::string household =
      JsonId(ok({"household", "add", "--community=yatai", "--compound=yt-01",
                 "--building=3", "--room=501"}));
  const std::string first17 = "110101198001010" + std::string("01");
  const std::string id_number = first17 + server::IdCheckCharacter(first17);
  const std::string resident =
      JsonId(ok({"resident", "add", "--household=" + household, "--name=张伟",
                 "--id_number=" + id_number}));
  ASSERT_FALSE(resident.empty());

  // Purchase request: requested -> accepted -> delivered; no cancel after.
  const std::string request =
      JsonId(ok({"services", "request", "--household=" + household,
                 "--kind=purchase", "--detail=大米 10kg", "--by=网格员"}));
  ASSERT_FALSE(request.empty());
  EXPECT_THAT(ok({"services", "accept", request, "--by=志愿者"}),
              HasSubstr("\"status\": \"accepted\""));
  EXPECT_THAT(ok({"services", "deliver", request, "--by=志愿者"}),
              HasSubstr("\"status\": \"delivered\""));
  CliRun cancel = refused({"services", "cancel", request, "--by=网格员"});
  EXPECT_EQ(cancel.code, 1);
  EXPECT_THAT(cancel.out, HasSubstr("already delivered"));
  EXPECT_EQ(refused({"services", "request", "--household=" + household,
                     "--kind=haircut", "--detail=x", "--by=a"})
                .code,
            2);

  // Care visits only to special-care residents.
  CliRun not_special = refused({"services", "visit", "--resident=" + resident,
                                "--mode=phone", "--by=网格员"});
  EXPECT_EQ(not_special.code, 1);
  EXPECT_THAT(not_special.out, HasSubstr("special-care"));
  ok({"resident", "update", resident, "--special_care=独居老人"});
  ok({"services", "visit", "--resident=" + resident, "--mode=in_person",
      "--note=送药", "--by=网格员"});
  EXPECT_THAT(ok({"services", "visits", "--resident=" + resident}),
              HasSubstr("送药"));

  // An incident on the compound, its actions, its status.
  const std::string incident =
      JsonId(ok({"incidents", "open", "--compound=yt-01", "--kind=suspected",
                 "--note=3号楼疑似病例", "--by=社区书记"}));
  ASSERT_FALSE(incident.empty());
  EXPECT_THAT(ok({"incidents", "action", incident, "--action=全楼消杀",
                  "--status=responding", "--by=社区书记"}),
              HasSubstr("全楼消杀"));
  ok({"incidents", "action", incident, "--action=解除", "--status=closed",
      "--by=社区书记"});
  EXPECT_EQ(
      refused({"incidents", "action", incident, "--action=again", "--by=x"})
          .code,
      1);

  // An enterprise reopens and gets masks through the ledger.
  ok({"enterprises", "add", "--id=ent-01", "--name=亚泰超市",
      "--community=yatai", "--employees=120", "--by=复工专班"});
  ok({"enterprises", "update", "ent-01", "--filing_status=reopened",
      "--by=复工专班"});
  CliRun back = refused(
      {"enterprises", "update", "ent-01", "--filing_status=applied", "--by=x"});
  EXPECT_EQ(back.code, 1);
  EXPECT_THAT(back.out, HasSubstr("filing_status"));
  ok({"supplies", "receive", "--item=mask", "--qty=500", "--location=warehouse",
      "--source=procurement", "--by=物资员"});
  ok({"supplies", "issue", "--item=mask", "--qty=200", "--from=warehouse",
      "--to=ent-01", "--by=物资员"});
  EXPECT_EQ(refused({"supplies", "issue", "--item=mask", "--qty=1.5",
                     "--from=warehouse", "--to=ent-01"})
                .code,
            2);
  EXPECT_THAT(ok({"supplies", "stock", "--location=ent-01"}),
              HasSubstr("\"qty\": \"200\""));

  const std::string summary = ok({"summary"});
  EXPECT_THAT(summary, HasSubstr("\"enterprises_reopened\": \"1\""));
  EXPECT_THAT(summary, HasSubstr("\"reopened_employees\": \"120\""));
  EXPECT_THAT(summary, HasSubstr("\"issued\": \"200\""));
  // The incident, the care visit and the enterprise's masks are counted.
  EXPECT_THAT(summary, HasSubstr("\"incidents\": \"1\""));
  EXPECT_THAT(summary, HasSubstr("\"care_visits\": \"1\""));
  EXPECT_THAT(summary, HasSubstr("\"enterprise_masks\": \"200\""));
  EXPECT_THAT(summary, HasSubstr("\"staff_by_role\""));
  CliRun human = Cli({node, "summary"});
  EXPECT_EQ(human.code, 0);
  EXPECT_THAT(human.out, HasSubstr("按社区 by community"));
  EXPECT_THAT(human.out, HasSubstr("人员 staff by role"));

  const std::string today = absl::FormatCivilTime(
      absl::ToCivilDay(absl::Now(), absl::LocalTimeZone()));
  const std::string complete =
      ok({"report", "completeness", "--date=" + today});
  EXPECT_THAT(complete, HasSubstr("\"expected\": 1"));
  EXPECT_THAT(complete, HasSubstr("\"reported\": []"));
  EXPECT_THAT(complete, HasSubstr("\"missing\": [\n  \"yatai\"\n ]"));
  EXPECT_THAT(complete, HasSubstr("\"late\": []"));
  // The node's --report_deadline is the default; --deadline overrides it.
  const std::string tomorrow = absl::FormatCivilTime(
      absl::ToCivilDay(absl::Now(), absl::LocalTimeZone()) + 1);
  CliRun due = Cli({node, "report", "completeness", "--date=" + today});
  EXPECT_THAT(due.out, HasSubstr(tomorrow + " 08:30"));
  due = Cli(
      {node, "report", "completeness", "--date=" + today, "--deadline=12:00"});
  EXPECT_THAT(due.out, HasSubstr(tomorrow + " 12:00"));
  EXPECT_THAT(due.out, HasSubstr("未报 missing (1): yatai"));
  EXPECT_EQ(Cli({node, "report", "completeness", "--date=" + today,
                 "--deadline=noon"})
                .code,
            2);

  // The day's report counts the delivered request and the new resident; a
  // zero report is refused on such a day.
  CliRun zero = Cli({node, "report", "submit", "--community=yatai",
                     "--date=" + today, "--zero", "--by=值班员"});
  EXPECT_EQ(zero.code, 1);
  EXPECT_THAT(zero.out, HasSubstr("services_delivered=1"));
  const std::string filed = ok({"report", "submit", "--community=yatai",
                                "--date=" + today, "--by=值班员"});
  EXPECT_THAT(filed, HasSubstr("\"services_delivered\": 1"));
  EXPECT_THAT(filed, HasSubstr("\"new_registrations\": 1"));
  CliRun shown =
      Cli({node, "report", "show", "--community=yatai", "--date=" + today});
  EXPECT_EQ(shown.code, 0);
  EXPECT_THAT(shown.out, HasSubstr("已送达服务 services delivered: 1"));
  EXPECT_THAT(ok({"report", "completeness", "--date=" + today}),
              HasSubstr("\"reported\": [\n  \"yatai\"\n ]"));
  // A second community is expected too, until it is closed (merged into
  // another); opened again, it is missing again.
  ok({"community", "add", "--id=heping", "--name=和平"});
  EXPECT_THAT(ok({"report", "completeness", "--date=" + today}),
              HasSubstr("\"missing\": [\n  \"heping\"\n ]"));
  CliRun closed = refused({"community", "close", "heping"});
  EXPECT_EQ(closed.code, 0) << closed.out;
  EXPECT_THAT(closed.out, HasSubstr("heping 和平: 已停用 inactive"));
  const std::string without = ok({"report", "completeness", "--date=" + today});
  EXPECT_THAT(without, HasSubstr("\"expected\": 1"));
  EXPECT_THAT(without, HasSubstr("\"missing\": []"));
  EXPECT_THAT(ok({"community", "list"}), HasSubstr("\"active\": false"));
  EXPECT_EQ(refused({"community", "close", "nowhere"}).code, 1);
  ok({"community", "open", "heping"});
  EXPECT_THAT(ok({"report", "completeness", "--date=" + today}),
              HasSubstr("\"expected\": 2"));

  // Export: a CSV with a header, Chinese as is, ID-card numbers masked.
  const std::string csv = dir.path() + "/residents.csv";
  CliRun exported = Cli({node, "export", "residents", "--out=" + csv});
  EXPECT_EQ(exported.code, 0) << exported.out;
  std::ifstream in(csv);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_THAT(content.str(), HasSubstr("\"id\",\"scope\",\"name\""));
  EXPECT_THAT(content.str(), HasSubstr("张伟"));
  EXPECT_THAT(content.str(), HasSubstr(server::MaskIdNumber(id_number)));
  EXPECT_THAT(content.str(), Not(HasSubstr(id_number)));
  // A table larger than one page streams whole, in id order.
  ASSERT_TRUE(PutPassages(**central, "yatai", 0, 2500).ok());
  const std::string passages = dir.path() + "/passages.csv";
  CliRun big = Cli({node, "--json", "export", "passages", "--out=" + passages});
  EXPECT_EQ(big.code, 0) << big.out;
  EXPECT_THAT(big.out, HasSubstr("\"rows\": 2500"));
  std::ifstream lines_in(passages);
  std::string line, last;
  int lines = 0;
  while (std::getline(lines_in, line)) {
    ++lines;
    last = line;
  }
  EXPECT_EQ(lines, 2501);
  EXPECT_THAT(last, HasSubstr("yatai-10002499"));
  // A community's operator exports its own community's rows only, even at
  // central, which holds every community's.
  ASSERT_TRUE(PutPassages(**central, "beiling", 0, 3).ok());
  CliRun created = Cli({node, "--json", "token", "create", "--role=operator",
                        "--scope=beiling", "--name=北菱 operator"});
  const std::string token = CreatedToken(created);
  ASSERT_FALSE(token.empty()) << created.out;
  const std::string theirs = dir.path() + "/beiling.csv";
  CliRun scoped = Cli({node, "--token=" + token, "--json", "export", "passages",
                       "--out=" + theirs});
  EXPECT_EQ(scoped.code, 0) << scoped.out;
  EXPECT_THAT(scoped.out, HasSubstr("\"rows\": 3"));
  std::ifstream theirs_in(theirs);
  std::stringstream theirs_content;
  theirs_content << theirs_in.rdbuf();
  EXPECT_THAT(theirs_content.str(), HasSubstr("beiling-10000002"));
  EXPECT_THAT(theirs_content.str(), Not(HasSubstr("yatai")));
  CliRun all = Cli({node, "--json", "export", "passages", "--out=" + passages});
  EXPECT_THAT(all.out, HasSubstr("\"rows\": 2503"));
  CliRun unknown =
      Cli({node, "export", "secrets", "--out=" + dir.path() + "/x.csv"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_THAT(unknown.out, HasSubstr("table"));
  EXPECT_FALSE(std::ifstream(dir.path() + "/x.csv").good());
}

}  // namespace
}  // namespace outpost::testing
