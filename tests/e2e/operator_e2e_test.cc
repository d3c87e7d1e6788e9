// Operators settle what sync surfaced, end to end: two real outpostd
// processes (central + community) cut apart by a fault proxy, concurrent edits
// of one resident, the same conflicts listed on both, a resolution at central
// through the `outpost` CLI, and after sync both nodes show the resolved
// values, no conflicts and the audit entry. Also verify's exit codes and a
// repair of a scope whose digests differ.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/client.h"
#include "server/id_card.h"
#include "server/schema.h"
#include "sync/store.h"
#include "tests/e2e/cli_util.h"
#include "tests/e2e/e2e_util.h"
#include "tests/sync/test_util.h"
#include "tools/testbed/fault_proxy.h"
#include "tools/testbed/node_process.h"

namespace outpost::testing {
namespace {

namespace pb = outpost::v1;
using sync::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

std::string IdNumber(int n) {
  const std::string first17 = absl::StrFormat("11010119800101%03d", n % 1000);
  return first17 + server::IdCheckCharacter(first17);
}

std::unique_ptr<client::Client> ClientOf(NodeProcess& node) {
  auto c = client::Client::Connect(
      {node.address(), absl::Seconds(10), node.admin_token(), ""});
  return c.ok() ? *std::move(c) : nullptr;
}

std::vector<std::string> Ids(client::Client& c) {
  auto r = c.Conflicts(pb::ConflictsRequest());
  std::vector<std::string> ids;
  if (!r.ok()) return {"error: " + r.status().ToString()};
  for (const auto& x : r->conflicts()) ids.push_back(x.id());
  std::sort(ids.begin(), ids.end());
  return ids;
}

// A resident registered at the community, known at central.
struct Registered {
  std::string resident;
};

absl::StatusOr<Registered> Register(client::Client& community) {
  pb::AddCompoundRequest compound;
  compound.mutable_compound()->set_id("yt-01");
  compound.mutable_compound()->set_community("yatai");
  compound.mutable_compound()->set_name("亚泰小区");
  auto c = community.AddCompound(compound);
  if (!c.ok()) return c.status();
  pb::AddHouseholdRequest household;
  household.mutable_household()->set_community("yatai");
  household.mutable_household()->set_compound("yt-01");
  household.mutable_household()->set_building("3");
  household.mutable_household()->set_unit("2");
  household.mutable_household()->set_room("501");
  auto hh = community.AddHousehold(household);
  if (!hh.ok()) return hh.status();
  pb::AddResidentRequest resident;
  resident.mutable_resident()->set_name("张伟");
  resident.mutable_resident()->set_id_number(IdNumber(7));
  resident.mutable_resident()->set_phone("13800000001");
  resident.mutable_resident()->set_household_id(hh->id());
  auto id = community.AddResident(resident);
  if (!id.ok()) return id.status();
  return Registered{id->id()};
}

absl::Status Edit(client::Client& node, const std::string& id,
                  const std::string& phone, const std::string& control) {
  pb::UpdateResidentRequest r;
  r.set_id(id);
  r.mutable_resident()->set_phone(phone);
  r.mutable_resident()->set_control(control);
  r.add_set("phone");
  r.add_set("control");
  return node.UpdateResident(r).status();
}

TEST(OperatorE2E, ConflictResolvedAtCentralReachesEveryNodeWithAudit) {
  TempDir dir;
  auto central = NodeProcess::Start(
      {"central", "central", dir.path(), "", "127.0.0.1:0", {}});
  ASSERT_TRUE(central.ok()) << central.status();
  auto proxy = FaultProxy::Start("127.0.0.1", (*central)->port());
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  auto community =
      NodeProcess::Start({"yatai",
                          "community",
                          dir.path(),
                          absl::StrCat("127.0.0.1:", (*proxy)->port()),
                          "127.0.0.1:0",
                          {}});
  ASSERT_TRUE(community.ok()) << community.status();
  auto at_central = ClientOf(**central);
  auto at_yatai = ClientOf(**community);
  ASSERT_TRUE(at_central && at_yatai);

  auto reg = Register(*at_yatai);
  ASSERT_TRUE(reg.ok()) << reg.status();
  const std::string id = reg->resident;
  pb::GetResidentRequest get;
  get.set_id(id);
  ASSERT_TRUE(WaitFor([&] { return at_central->GetResident(get).ok(); },
                      absl::Seconds(20)));

  // Apart: each office edits the same resident's phone and control status.
  (*proxy)->SetMode(FaultProxy::Mode::kReset);
  ASSERT_TRUE(Edit(*at_yatai, id, "13900000002", "home_quarantine").ok());
  ASSERT_TRUE(Edit(*at_central, id, "13700000003", "released").ok());

  // Together again: both list the same two conflicts, same ids.
  (*proxy)->SetMode(FaultProxy::Mode::kPass);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto c = Ids(*at_central);
        return c.size() == 2 && c == Ids(*at_yatai);
      },
      absl::Seconds(30)))
      << (*community)->LogTail();
  const std::vector<std::string> ids = Ids(*at_central);

  const std::string central_node = "--node=" + (*central)->address();
  const std::string yatai_node = "--node=" + (*community)->address();
  CliRun list = Cli({yatai_node, "conflicts", "list", "--table=residents"});
  EXPECT_EQ(list.code, 0) << list.out;
  EXPECT_THAT(list.out, HasSubstr(ids[0]));
  EXPECT_THAT(list.out, HasSubstr(ids[1]));
  CliRun since = Cli({yatai_node, "conflicts", "list", "--since=2099-01-01"});
  EXPECT_EQ(since.code, 0) << since.out;
  EXPECT_THAT(since.out, HasSubstr("没有冲突 (no conflicts)"));
  CliRun bad_since = Cli({yatai_node, "conflicts", "list", "--since=soon"});
  EXPECT_EQ(bad_since.code, 2) << bad_since.out;
  EXPECT_THAT(bad_since.out, HasSubstr("--since"));

  // Show: the row in words, each value with origin and author; ID masked.
  std::string phone_id, control_id;
  for (const std::string& cid : ids) {
    CliRun show = Cli({central_node, "conflicts", "show", cid});
    ASSERT_EQ(show.code, 0) << show.out;
    EXPECT_THAT(show.out, HasSubstr("张伟"));
    EXPECT_THAT(show.out, HasSubstr("亚泰小区"));
    EXPECT_THAT(show.out, HasSubstr("3栋 2单元 501室"));
    EXPECT_THAT(show.out, HasSubstr(server::MaskIdNumber(IdNumber(7))));
    EXPECT_THAT(show.out, Not(HasSubstr(IdNumber(7))));
    EXPECT_THAT(show.out, HasSubstr("(yatai,"));
    EXPECT_THAT(show.out, HasSubstr("(central,"));
    EXPECT_THAT(show.out, HasSubstr("[当前 shown]"));
    EXPECT_THAT(show.out, Not(HasSubstr("delete vs edit")));
    // Which field is in conflict: the row's facts show both fields' current
    // values, so only the field line tells the two apart.
    if (show.out.find("字段 field     phone") != std::string::npos) {
      EXPECT_THAT(show.out, HasSubstr("13900000002"));
      EXPECT_THAT(show.out, HasSubstr("13700000003"));
      phone_id = cid;
    } else {
      EXPECT_THAT(show.out, HasSubstr("home_quarantine"));
      EXPECT_THAT(show.out, HasSubstr("released"));
      control_id = cid;
    }
  }
  ASSERT_FALSE(phone_id.empty());
  ASSERT_FALSE(control_id.empty());

  // Resolve at central: the phone by a new value, control by picking the
  // community's value. Bad usage is refused first, with the reason.
  CliRun no_reason =
      Cli({central_node, "conflicts", "resolve", phone_id, "--pick=1"});
  EXPECT_EQ(no_reason.code, 2) << no_reason.out;
  EXPECT_THAT(no_reason.out, HasSubstr("--reason"));
  CliRun bad_pick = Cli({central_node, "conflicts", "resolve", phone_id,
                         "--pick=9", "--reason=x", "--by=op-li"});
  EXPECT_EQ(bad_pick.code, 2) << bad_pick.out;
  EXPECT_THAT(bad_pick.out, HasSubstr("pick: must be 1..2"));
  CliRun wrong_kind = Cli({central_node, "conflicts", "resolve", phone_id,
                           "--stay_deleted", "--reason=x", "--by=op-li"});
  EXPECT_EQ(wrong_kind.code, 2) << wrong_kind.out;
  CliRun phone =
      Cli({central_node, "conflicts", "resolve", phone_id,
           "--value=13600000004", "--reason=居民电话核实", "--by=op-li"});
  ASSERT_EQ(phone.code, 0) << phone.out;
  EXPECT_THAT(phone.out, HasSubstr("13600000004"));
  auto control_view = at_central->ConflictShow([&] {
    pb::ConflictShowRequest r;
    r.set_id(control_id);
    return r;
  }());
  ASSERT_TRUE(control_view.ok()) << control_view.status();
  int home = 0;
  for (int i = 0; i < control_view->conflict().values_size(); ++i) {
    if (control_view->conflict().values(i).value().text_value() ==
        "home_quarantine")
      home = i + 1;
  }
  ASSERT_GT(home, 0);
  CliRun control = Cli({central_node, "--json", "conflicts", "resolve",
                        control_id, absl::StrCat("--pick=", home),
                        "--reason=社区确认居家隔离", "--by=op-li"});
  ASSERT_EQ(control.code, 0) << control.out;
  EXPECT_THAT(control.out, HasSubstr("\"chosen\": \"home_quarantine\""));
  CliRun again = Cli({central_node, "conflicts", "resolve", control_id,
                      "--pick=1", "--reason=again", "--by=op-li"});
  EXPECT_EQ(again.code, 1) << again.out;
  EXPECT_THAT(again.out, HasSubstr("not found"));

  // After sync: both nodes show the resolved values, no conflicts, and the
  // audit entries.
  auto settled = [&](client::Client& node) {
    auto r = node.GetResident(get);
    return r.ok() && r->phone() == "13600000004" &&
           r->control() == "home_quarantine" && Ids(node).empty();
  };
  EXPECT_TRUE(WaitFor([&] { return settled(*at_central); }, absl::Seconds(5)));
  EXPECT_TRUE(WaitFor([&] { return settled(*at_yatai); }, absl::Seconds(20)))
      << (*community)->LogTail();
  for (const std::string& node : {central_node, yatai_node}) {
    CliRun none = Cli({node, "conflicts", "list"});
    EXPECT_EQ(none.code, 0) << none.out;
    EXPECT_THAT(none.out, HasSubstr("没有冲突 (no conflicts)"));
    CliRun audit = Cli({node, "audit", "--since=2020-01-01"});
    EXPECT_EQ(audit.code, 0) << audit.out;
    EXPECT_THAT(audit.out, HasSubstr("op-li (first admin)@central"));
    EXPECT_THAT(audit.out, HasSubstr("resolve"));
    EXPECT_THAT(audit.out, HasSubstr(absl::StrCat("residents/", id, ".phone")));
    EXPECT_THAT(audit.out, HasSubstr("13600000004"));
    EXPECT_THAT(audit.out, HasSubstr("居民电话核实"));
    EXPECT_THAT(audit.out, HasSubstr("社区确认居家隔离"));
    CliRun later = Cli({node, "--json", "audit", "--since=2099-01-01"});
    EXPECT_EQ(later.code, 0) << later.out;
    EXPECT_THAT(later.out, Not(HasSubstr("resolve")));
  }
  EXPECT_TRUE(
      WaitFor([&] { return VerifiedEqual(**community); }, absl::Seconds(10)));
}

// verify exits 0 when equal and 1 naming the table/scope that differs; repair
// re-exchanges the scope and makes them equal again. The divergence is the
// engine's known one: a watermark vouched for a change this node never got.
TEST(OperatorE2E, VerifyNamesTheDifferenceAndRepairHealsIt) {
  TempDir dir;
  auto central = NodeProcess::Start(
      {"central", "central", dir.path(), "", "127.0.0.1:0", {}});
  ASSERT_TRUE(central.ok()) << central.status();
  NodeSpec yatai_spec{"yatai",       "community",
                      dir.path(),    (*central)->address(),
                      "127.0.0.1:0", {}};
  auto community = NodeProcess::Start(yatai_spec);
  ASSERT_TRUE(community.ok()) << community.status();
  ASSERT_TRUE(
      PutField(**community, "households", "h1", "yatai", "room", "101").ok());
  const std::string yatai_node = "--node=" + (*community)->address();
  ASSERT_TRUE(
      WaitFor([&] { return VerifiedEqual(**community); }, absl::Seconds(20)));
  CliRun equal = Cli({yatai_node, "verify"});
  EXPECT_EQ(equal.code, 0) << equal.out;

  // Offline, the community's replica is told central's next change is seen.
  auto status = (*central)->Status();
  ASSERT_TRUE(status.ok());
  // (Central writes as its current replica: the dot it will write next.)
  const std::string central_replica = status->replica_id();
  uint64_t next = 1;
  for (const auto& e : status->vv().entries()) {
    if (e.origin() == central_replica) next = e.seq() + 1;
  }
  ASSERT_EQ((*community)->Stop(), 0);
  {
    sync::StoreOptions options;
    options.path = dir.File("yatai.db");
    options.node_id = "yatai";
    options.scopes = sync::ScopeSet::Of({"yatai"});
    options.schema = server::OutpostSchema();
    auto store = sync::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    sync::VersionVector vv = (*store)->vv();
    vv.Advance(central_replica, next);
    auto applied = (*store)->ApplyBatch({"central", sync::ScopeSet::All()},
                                        std::vector<sync::Change>{}, vv);
    ASSERT_TRUE(applied.ok()) << applied.status();
  }
  ASSERT_TRUE(
      PutField(**central, "households", "h2", "yatai", "room", "202").ok());
  auto restarted = NodeProcess::Start(yatai_spec);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  community = std::move(restarted);
  const std::string node = "--node=" + (*community)->address();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = (*community)->Status();
        return s.ok() && s->upstream_state() == "connected";
      },
      absl::Seconds(20)));
  absl::SleepFor(absl::Seconds(1));
  CliRun differs = Cli({node, "verify"});
  EXPECT_EQ(differs.code, 1) << differs.out;
  EXPECT_THAT(differs.out, HasSubstr("households/yatai"));
  EXPECT_THAT(differs.out, HasSubstr("DIFF"));
  EXPECT_THAT(differs.out, HasSubstr("repair --scope"));

  CliRun bad = Cli({node, "repair"});
  EXPECT_EQ(bad.code, 2) << bad.out;
  CliRun not_held = Cli({node, "repair", "--scope=beiling", "--by=op-wang"});
  EXPECT_EQ(not_held.code, 2) << not_held.out;
  EXPECT_THAT(not_held.out, HasSubstr("does not hold beiling"));
  CliRun at_central = Cli({"--node=" + (*central)->address(), "repair",
                           "--scope=yatai", "--by=op-wang"});
  EXPECT_EQ(at_central.code, 1) << at_central.out;
  EXPECT_THAT(at_central.out, HasSubstr("no upstream"));

  CliRun repair = Cli(
      {node, "repair", "--scope=yatai", "--by=op-wang", "--reason=核对不一致"});
  EXPECT_EQ(repair.code, 0) << repair.out;
  EXPECT_THAT(repair.out, HasSubstr("一致 digests equal"));
  EXPECT_THAT(repair.out, HasSubstr("(applied 1)"));
  CliRun healed = Cli({node, "verify"});
  EXPECT_EQ(healed.code, 0) << healed.out;
  auto h2 = GetRow(**community, "households", "h2");
  ASSERT_TRUE(h2.ok()) << h2.status();
  EXPECT_EQ(h2->values().at("room").text_value(), "202");
  // Repeating the repair is harmless: everything is a duplicate now.
  CliRun twice = Cli({node, "--json", "repair", "--scope=yatai", "--by=op-wang",
                      "--reason=再次核对"});
  EXPECT_EQ(twice.code, 0) << twice.out;
  EXPECT_THAT(twice.out, HasSubstr("\"applied_here\": \"0\""));
  // The repair is in the audit trail, here and (replicated) at central.
  CliRun audit = Cli({node, "audit"});
  EXPECT_THAT(audit.out,
              HasSubstr("op-wang (first admin)@yatai  repair  scope yatai"));
  EXPECT_THAT(audit.out, HasSubstr("核对不一致"));
  EXPECT_TRUE(WaitFor(
      [&] {
        CliRun c = Cli({"--node=" + (*central)->address(), "audit"});
        return c.out.find("核对不一致") != std::string::npos;
      },
      absl::Seconds(20)));
  EXPECT_TRUE(
      WaitFor([&] { return VerifiedEqual(**community); }, absl::Seconds(10)));
}

absl::Status DeleteRow(NodeProcess& node, const std::string& table,
                       const std::string& row) {
  pb::PutRequest request;
  request.set_table(table);
  request.set_row_id(row);
  request.set_delete_(true);
  request.set_author(node.spec().node_id + "-operator");
  grpc::ClientContext context;
  pb::PutResponse response;
  return server::FromGrpcStatus(
      node.admin().Put(WithDeadline(&context), request, &response));
}

// A delete at one office concurrent with an edit at the other: settled once
// as "restore", once as "stay deleted", and both nodes agree each time.
TEST(OperatorE2E, DeleteVsEditSettledAsRestoreOrStayDeleted) {
  TempDir dir;
  auto central = NodeProcess::Start(
      {"central", "central", dir.path(), "", "127.0.0.1:0", {}});
  ASSERT_TRUE(central.ok()) << central.status();
  auto proxy = FaultProxy::Start("127.0.0.1", (*central)->port());
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  auto community =
      NodeProcess::Start({"yatai",
                          "community",
                          dir.path(),
                          absl::StrCat("127.0.0.1:", (*proxy)->port()),
                          "127.0.0.1:0",
                          {}});
  ASSERT_TRUE(community.ok()) << community.status();
  auto at_central = ClientOf(**central);
  auto at_yatai = ClientOf(**community);
  const std::string central_node = "--node=" + (*central)->address();
  for (const char* row : {"h1", "h2"}) {
    ASSERT_TRUE(
        PutField(**community, "households", row, "yatai", "room", "101").ok());
  }
  ASSERT_TRUE(
      WaitFor([&] { return VerifiedEqual(**community); }, absl::Seconds(20)));

  (*proxy)->SetMode(FaultProxy::Mode::kReset);
  for (const char* row : {"h1", "h2"}) {
    ASSERT_TRUE(DeleteRow(**community, "households", row).ok());
    ASSERT_TRUE(
        PutField(**central, "households", row, "yatai", "room", "102").ok());
  }
  (*proxy)->SetMode(FaultProxy::Mode::kPass);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto c = Ids(*at_central);
        return c.size() == 2 && c == Ids(*at_yatai);
      },
      absl::Seconds(30)))
      << (*community)->LogTail();

  auto conflicts = at_central->Conflicts(pb::ConflictsRequest());
  ASSERT_TRUE(conflicts.ok());
  for (const auto& x : conflicts->conflicts()) {
    EXPECT_EQ(x.kind(), "DELETE_VS_UPDATE");
    CliRun show = Cli({central_node, "conflicts", "show", x.id()});
    EXPECT_EQ(show.code, 0) << show.out;
    EXPECT_THAT(show.out, HasSubstr("删除与修改 delete vs edit"));
    EXPECT_THAT(show.out, HasSubstr("--stay_deleted"));
    EXPECT_THAT(show.out, HasSubstr("--restore"));
    EXPECT_THAT(show.out, HasSubstr("保持删除 stay deleted"));
    EXPECT_THAT(show.out, HasSubstr("room=102 -> 恢复 restore"));
    CliRun by_value = Cli({central_node, "conflicts", "resolve", x.id(),
                           "--value=1", "--reason=x", "--by=op"});
    EXPECT_EQ(by_value.code, 2) << by_value.out;
    const bool restore = x.row_id() == "h1";
    CliRun settle = Cli({central_node, "conflicts", "resolve", x.id(),
                         restore ? "--restore" : "--stay_deleted",
                         "--reason=核实住户", "--by=op-zhao"});
    EXPECT_EQ(settle.code, 0) << settle.out;
    EXPECT_THAT(settle.out,
                HasSubstr(restore ? "恢复 restore" : "保持删除 stay deleted"));
  }
  for (NodeProcess* node : {central->get(), community->get()}) {
    EXPECT_TRUE(WaitFor(
        [&] {
          auto h1 = GetRow(*node, "households", "h1");
          auto h2 = GetRow(*node, "households", "h2");
          return h1.ok() && !h1->deleted() && h1->values().count("room") &&
                 h1->values().at("room").text_value() == "102" && h2.ok() &&
                 h2->deleted();
        },
        absl::Seconds(20)))
        << node->spec().node_id;
  }
  EXPECT_TRUE(
      WaitFor([&] { return Ids(*at_yatai).empty(); }, absl::Seconds(20)));
  CliRun audit = Cli({"--node=" + (*community)->address(), "audit"});
  EXPECT_THAT(audit.out, HasSubstr("households/h1._deleted"));
  EXPECT_THAT(audit.out, HasSubstr("op-zhao (first admin)@central"));
  EXPECT_TRUE(
      WaitFor([&] { return VerifiedEqual(**community); }, absl::Seconds(10)));
}

// A change from a newer node (a table this version does not know) is kept in
// quarantine, shown, refused again on retry, discarded with a reason; the
// discard is audited and the audit row reaches central.
TEST(OperatorE2E, QuarantineCommandsAndExitCodes) {
  TempDir dir;
  auto central = NodeProcess::Start(
      {"central", "central", dir.path(), "", "127.0.0.1:0", {}});
  ASSERT_TRUE(central.ok()) << central.status();
  NodeSpec yatai_spec{"yatai",       "community",
                      dir.path(),    (*central)->address(),
                      "127.0.0.1:0", {}};
  {
    // The change arrives while the community node is down (offline store).
    sync::StoreOptions options;
    options.path = dir.File("yatai.db");
    options.node_id = "yatai";
    options.scopes = sync::ScopeSet::Of({"yatai"});
    options.schema = server::OutpostSchema();
    auto store = sync::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    sync::Change change;
    change.mutable_dot()->set_origin("newer");
    change.mutable_dot()->set_seq(1);
    change.set_table("vaccinations");
    change.set_row_id("v1");
    change.set_scope("yatai");
    auto* w = change.add_writes();
    w->set_field("dose");
    w->mutable_value()->set_int_value(2);
    auto applied = (*store)->ApplyBatch({"newer", sync::ScopeSet::All()},
                                        {change}, std::nullopt);
    ASSERT_TRUE(applied.ok()) << applied.status();
    ASSERT_EQ(applied->quarantined, 1);
  }
  auto community = NodeProcess::Start(yatai_spec);
  ASSERT_TRUE(community.ok()) << community.status();
  const std::string node = "--node=" + (*community)->address();

  CliRun list = Cli({node, "quarantine", "list"});
  EXPECT_EQ(list.code, 0) << list.out;
  EXPECT_THAT(list.out, HasSubstr("vaccinations/v1"));
  EXPECT_THAT(list.out, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(list.out, HasSubstr("unknown table"));
  EXPECT_THAT(list.out, HasSubstr("dose=2"));
  CliRun json = Cli({node, "--json", "quarantine", "list"});
  EXPECT_EQ(json.code, 0) << json.out;
  EXPECT_THAT(json.out, HasSubstr("\"entries\""));
  EXPECT_THAT(json.out, HasSubstr("\"origin\": \"newer\""));
  CliRun show = Cli({node, "quarantine", "show", "1"});
  EXPECT_EQ(show.code, 0) << show.out;
  EXPECT_THAT(show.out, HasSubstr("from newer:1"));
  EXPECT_EQ(Cli({node, "quarantine", "show", "abc"}).code, 2);
  CliRun missing = Cli({node, "quarantine", "show", "99"});
  EXPECT_EQ(missing.code, 1) << missing.out;
  EXPECT_THAT(missing.out, HasSubstr("not found"));
  CliRun retry = Cli({node, "quarantine", "retry", "1", "--by=op-zhou"});
  EXPECT_EQ(retry.code, 1) << retry.out;
  EXPECT_THAT(retry.out, HasSubstr("still refused"));
  CliRun no_reason = Cli({node, "quarantine", "discard", "1", "--by=op-zhou"});
  EXPECT_EQ(no_reason.code, 2) << no_reason.out;
  EXPECT_THAT(no_reason.out, HasSubstr("--reason"));
  CliRun discard = Cli({node, "quarantine", "discard", "1", "--by=op-zhou",
                        "--reason=新版本节点的数据，本版本不支持"});
  EXPECT_EQ(discard.code, 0) << discard.out;
  EXPECT_THAT(discard.out, HasSubstr("discarded 1"));
  EXPECT_THAT(Cli({node, "quarantine", "list"}).out,
              HasSubstr("nothing quarantined"));
  CliRun audit = Cli({node, "audit"});
  EXPECT_THAT(audit.out,
              HasSubstr("op-zhou (first admin)@yatai  quarantine_discard"));
  EXPECT_THAT(audit.out, HasSubstr("vaccinations/v1 from newer:1"));
  EXPECT_TRUE(WaitFor(
      [&] {
        CliRun c = Cli({"--node=" + (*central)->address(), "audit"});
        return c.out.find("quarantine_discard") != std::string::npos;
      },
      absl::Seconds(20)))
      << (*community)->LogTail();
}

}  // namespace
}  // namespace outpost::testing
