// `outpost` commands of the community's daily work: registry, checkpoints,
// passages, health monitoring, alerts, registry import.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/cli.h"
#include "client/cli_flags.h"

ABSL_FLAG(std::string, posts, "",
          "party add: party-member posts, checkpoint ids separated by commas");

namespace outpost::client {
namespace {

// A gate or community opened or closed: one line an operator reads at a
// glance (the text form would omit a false `active`).
template <typename Row>
int ShowActive(const absl::StatusOr<Row>& done, bool json, const char* on,
               const char* off) {
  if (json || !done.ok()) return Show(done, json);
  std::printf("%s %s: %s\n", done->id().c_str(), done->name().c_str(),
              done->active() ? on : off);
  return 0;
}

}  // namespace

absl::Span<const CommandUsage> CommunityUsage() {
  static constexpr CommandUsage kUsage[] = {
      {"community", "社区 the sub-district's communities",
       "community add --id=C --name=N\n"
       "community list\n"
       "community close C | community open C"},
      {"compound", "小区 compounds (residential estates) of a community",
       "compound add --id=K --community=C --name=N [--kind=K]\n"
       "compound list [--community=C]"},
      {"checkpoint", "卡口 checkpoints at a compound's gates",
       "checkpoint add --id=CP --compound=K --name=N\n"
       "checkpoint list [--compound=K]\n"
       "checkpoint close CP | checkpoint open CP"},
      {"staff", "值守人员 duty staff and their shifts",
       "staff add --id=S --name=N [--checkpoint=CP | --community=C] "
       "--shift=HH:MM-HH:MM [--phone=P] [--role=R]\n"
       "staff list [--checkpoint=CP]"},
      {"party", "临时党支部 temporary party branches and their posts",
       "party add --id=B --name=N --compound=K [--posts=CP,CP]\n"
       "party list [--community=C]"},
      {"household", "住户 households (one flat each)",
       "household add --community=C --compound=K --building=B [--unit=U] "
       "--room=R"},
      {"resident", "居民 residents (ID-card numbers masked)",
       "resident add --household=H --name=N --id_number=X [--phone=P] "
       "[--key_category=K]\n"
       "resident update ID [--name=N] [--phone=P] [--control=S] "
       "[--control_start=D] [--control_end=D] [--key_category=K] "
       "[--special_care=TEXT]\n"
       "resident show ID [--unmasked]\n"
       "resident find --id_number=X\n"
       "resident list [--community=C] [--compound=K] [--control=S]"},
      {"pass", "通行 a passage through a checkpoint, and its decision",
       "pass --checkpoint=CP --id_number=X --direction=in|out --temp=T "
       "[--staff=S] [--visitor_name=N]"},
      {"health", "健康监测 health checks of key persons",
       "health record --resident=ID --temp=T [--symptoms=S] [--by=WHO]\n"
       "health due [--interval_hours=12]"},
      {"alerts", "报警 alerts raised by passages and health checks",
       "alerts list [--status=S]\n"
       "alerts ack|handle|close ID --note=TEXT --by=WHO"},
      {"import", "导入 a registry of residents from CSV",
       "import residents FILE.csv [--skip_bad]"},
  };
  return kUsage;
}

// The domain commands: registry, checkpoints, alerts.
int CommunityCommand(Client& client, bool json,
                     const std::vector<std::string>& args) {
  namespace pb = outpost::v1;
  const std::string command = args.empty() ? "" : args[0];
  const std::string sub = args.size() > 1 ? args[1] : "";
  const std::string arg = args.size() > 2 ? args[2] : "";
  if (command == "compound" && sub == "add") {
    pb::AddCompoundRequest r;
    r.mutable_compound()->set_id(absl::GetFlag(FLAGS_id));
    r.mutable_compound()->set_community(absl::GetFlag(FLAGS_community));
    r.mutable_compound()->set_name(absl::GetFlag(FLAGS_name));
    r.mutable_compound()->set_kind(absl::GetFlag(FLAGS_kind));
    return Show(client.AddCompound(r), json);
  }
  if (command == "compound" && sub == "list") {
    pb::ListCompoundsRequest r;
    r.set_community(absl::GetFlag(FLAGS_community));
    return Show(client.ListCompounds(r), json);
  }
  if (command == "checkpoint" && sub == "add") {
    pb::AddCheckpointRequest r;
    r.mutable_checkpoint()->set_id(absl::GetFlag(FLAGS_id));
    r.mutable_checkpoint()->set_compound(absl::GetFlag(FLAGS_compound));
    r.mutable_checkpoint()->set_name(absl::GetFlag(FLAGS_name));
    return Show(client.AddCheckpoint(r), json);
  }
  if (command == "checkpoint" && (sub == "close" || sub == "open")) {
    pb::SetCheckpointActiveRequest r;
    r.set_id(arg);
    r.set_active(sub == "open");
    return ShowActive(client.SetCheckpointActive(r), json, "已开放 open",
                      "已关闭 closed");
  }
  if (command == "checkpoint" && sub == "list") {
    pb::ListCheckpointsRequest r;
    r.set_compound(absl::GetFlag(FLAGS_compound));
    return Show(client.ListCheckpoints(r), json);
  }
  if (command == "household" && sub == "add") {
    pb::AddHouseholdRequest r;
    r.mutable_household()->set_community(absl::GetFlag(FLAGS_community));
    r.mutable_household()->set_compound(absl::GetFlag(FLAGS_compound));
    r.mutable_household()->set_building(absl::GetFlag(FLAGS_building));
    r.mutable_household()->set_unit(absl::GetFlag(FLAGS_unit));
    r.mutable_household()->set_room(absl::GetFlag(FLAGS_room));
    return Show(client.AddHousehold(r), json);
  }
  if (command == "resident" && sub == "add") {
    pb::AddResidentRequest r;
    r.mutable_resident()->set_household_id(absl::GetFlag(FLAGS_household));
    r.mutable_resident()->set_name(absl::GetFlag(FLAGS_name));
    r.mutable_resident()->set_id_number(absl::GetFlag(FLAGS_id_number));
    r.mutable_resident()->set_phone(absl::GetFlag(FLAGS_phone));
    r.mutable_resident()->set_key_category(absl::GetFlag(FLAGS_key_category));
    return Show(client.AddResident(r), json);
  }
  if (command == "resident" && sub == "update") {
    pb::UpdateResidentRequest r;
    r.set_id(arg);
    auto set = [&](const char* field, const std::string& value) {
      if (value.empty()) return;
      r.add_set(field);
      const auto* d = pb::Resident::descriptor()->FindFieldByName(field);
      r.mutable_resident()->GetReflection()->SetString(r.mutable_resident(), d,
                                                       value);
    };
    set("name", absl::GetFlag(FLAGS_name));
    set("phone", absl::GetFlag(FLAGS_phone));
    set("control", absl::GetFlag(FLAGS_control));
    set("key_category", absl::GetFlag(FLAGS_key_category));
    set("control_start", absl::GetFlag(FLAGS_control_start));
    set("control_end", absl::GetFlag(FLAGS_control_end));
    set("special_care", absl::GetFlag(FLAGS_special_care));
    return Show(client.UpdateResident(r), json);
  }
  if (command == "resident" && sub == "show") {
    pb::GetResidentRequest r;
    r.set_id(arg);
    r.set_unmasked(absl::GetFlag(FLAGS_unmasked));
    return Show(client.GetResident(r), json);
  }
  if (command == "resident" && sub == "find") {
    pb::FindResidentRequest r;
    r.set_id_number(absl::GetFlag(FLAGS_id_number));
    return Show(client.FindResident(r), json);
  }
  if (command == "resident" && sub == "list") {
    pb::ListResidentsRequest r;
    r.set_community(absl::GetFlag(FLAGS_community));
    r.set_control(absl::GetFlag(FLAGS_control));
    r.set_compound(absl::GetFlag(FLAGS_compound));
    return Show(client.ListResidents(r), json);
  }
  if (command == "pass") {
    pb::PassRequest r;
    r.set_checkpoint(absl::GetFlag(FLAGS_checkpoint));
    r.set_id_number(absl::GetFlag(FLAGS_id_number));
    r.set_direction(absl::GetFlag(FLAGS_direction));
    r.set_staff(absl::GetFlag(FLAGS_staff));
    r.set_visitor_name(absl::GetFlag(FLAGS_visitor_name));
    absl::StatusOr<double> temp =
        ParseNumber("temp", absl::GetFlag(FLAGS_temp));
    if (!temp.ok()) return Fail(temp.status());
    r.set_temp(*temp);
    absl::StatusOr<pb::PassResponse> p = client.Pass(r);
    if (!p.ok() || json) return Show(p, json);
    static const std::map<std::string, std::string> kWords = {
        {"ALLOW", "通行"},
        {"FEVER", "发热 - 拦下复测"},
        {"DENY", "禁止外出 (隔离中)"},
        {"UNKNOWN", "未登记 - 按访客登记"}};
    std::printf("%s %s  %s %s\n", p->decision().c_str(),
                kWords.at(p->decision()).c_str(), p->name().c_str(),
                p->id_number().c_str());
    if (!p->alert_id().empty())
      std::printf("已报警 alert %s\n", p->alert_id().c_str());
    return 0;
  }
  if (command == "import" && sub == "residents") {
    std::ifstream in(arg, std::ios::binary);
    if (arg.empty() || !in) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("import residents: cannot read \"", arg, "\"")));
    }
    std::stringstream content;
    content << in.rdbuf();
    const bool skip_bad = absl::GetFlag(FLAGS_skip_bad);
    const bool tty = isatty(STDERR_FILENO);
    absl::StatusOr<pb::ImportResult> result = client.ImportResidents(
        content.str(), skip_bad, [tty](size_t sent, size_t total) {
          if (tty) {
            std::fprintf(stderr, "\r上传 uploading %3d%%",
                         total ? int(100 * sent / total) : 100);
          }
        });
    if (tty) std::fprintf(stderr, "\r导入中 importing...   \r");
    if (!result.ok()) return Fail(result.status());
    if (json) {
      PrintJson(*result);
    } else {
      std::printf(
          "%lld lines: %lld residents, %lld new households, %lld rejected "
          "(%.1f s)%s\n",
          static_cast<long long>(result->lines()),
          static_cast<long long>(result->residents()),
          static_cast<long long>(result->households()),
          static_cast<long long>(result->rejected()), result->seconds(),
          result->written() ? "" : " - nothing written");
    }
    for (const auto& reject : result->rejects()) {
      std::fprintf(stderr, "line %lld: %s\n",
                   static_cast<long long>(reject.line()),
                   reject.reason().c_str());
    }
    if (skip_bad && !result->rejects().empty()) {
      const std::string path = arg + ".rejects.csv";
      std::ofstream out(path);
      out << "line,reason,raw\n";
      for (const auto& reject : result->rejects()) {
        std::string reason = reject.reason();
        std::string raw = reject.raw();
        for (std::string* f : {&reason, &raw}) {
          std::string quoted = "\"";
          for (char c : *f)
            quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
          *f = quoted + "\"";
        }
        out << reject.line() << "," << reason << "," << raw << "\n";
      }
      std::fprintf(stderr, "rejected lines written to %s\n", path.c_str());
    }
    return result->written() ? 0 : kExitUsage;
  }
  if (command == "community" && sub == "add") {
    pb::AddCommunityRequest r;
    r.mutable_community()->set_id(absl::GetFlag(FLAGS_id));
    r.mutable_community()->set_name(absl::GetFlag(FLAGS_name));
    return Show(client.AddCommunity(r), json);
  }
  if (command == "community" && (sub == "close" || sub == "open")) {
    pb::SetCommunityActiveRequest r;
    r.set_id(arg);
    r.set_active(sub == "open");
    return ShowActive(client.SetCommunityActive(r), json, "已启用 active",
                      "已停用 inactive");
  }
  if (command == "community" && sub == "list") {
    return Show(client.ListCommunities(pb::ListCommunitiesRequest()), json);
  }
  if (command == "staff" && sub == "add") {
    pb::AddStaffRequest r;
    r.mutable_staff()->set_id(absl::GetFlag(FLAGS_id));
    r.mutable_staff()->set_name(absl::GetFlag(FLAGS_name));
    r.mutable_staff()->set_phone(absl::GetFlag(FLAGS_phone));
    r.mutable_staff()->set_role(absl::GetFlag(FLAGS_role));
    r.mutable_staff()->set_checkpoint(absl::GetFlag(FLAGS_checkpoint));
    r.mutable_staff()->set_shift(absl::GetFlag(FLAGS_shift));
    r.mutable_staff()->set_community(absl::GetFlag(FLAGS_community));
    return Show(client.AddStaff(r), json);
  }
  if (command == "party" && sub == "add") {
    pb::AddPartyBranchRequest r;
    r.mutable_branch()->set_id(absl::GetFlag(FLAGS_id));
    r.mutable_branch()->set_name(absl::GetFlag(FLAGS_name));
    r.mutable_branch()->set_compound(absl::GetFlag(FLAGS_compound));
    for (absl::string_view post :
         absl::StrSplit(absl::GetFlag(FLAGS_posts), ',', absl::SkipEmpty()))
      r.mutable_branch()->add_posts(std::string(post));
    return Show(client.AddPartyBranch(r), json);
  }
  if (command == "party" && sub == "list") {
    pb::ListPartyBranchesRequest r;
    r.set_community(absl::GetFlag(FLAGS_community));
    return Show(client.ListPartyBranches(r), json);
  }
  if (command == "staff" && sub == "list") {
    pb::ListStaffRequest r;
    r.set_checkpoint(absl::GetFlag(FLAGS_checkpoint));
    return Show(client.ListStaff(r), json);
  }
  if (command == "health" && sub == "record") {
    pb::HealthRecordRequest r;
    r.set_resident_id(absl::GetFlag(FLAGS_resident));
    absl::StatusOr<double> temp =
        ParseNumber("temp", absl::GetFlag(FLAGS_temp));
    if (!temp.ok()) return Fail(temp.status());
    r.set_temp(*temp);
    r.set_symptoms(absl::GetFlag(FLAGS_symptoms));
    r.set_by(absl::GetFlag(FLAGS_by));
    return Show(client.HealthRecord(r), json);
  }
  if (command == "health" && sub == "due") {
    pb::HealthDueRequest r;
    r.set_interval_hours(absl::GetFlag(FLAGS_interval_hours));
    return Show(client.HealthDueList(r), json);
  }
  if (command == "alerts" && sub == "list") {
    pb::ListAlertsRequest r;
    r.set_status(absl::GetFlag(FLAGS_status));
    return Show(client.ListAlerts(r), json);
  }
  if (command == "alerts" &&
      (sub == "ack" || sub == "handle" || sub == "close")) {
    pb::UpdateAlertRequest r;
    r.set_id(arg);
    r.set_status(sub == "ack"      ? "acknowledged"
                 : sub == "handle" ? "handled"
                                   : "closed");
    r.set_note(absl::GetFlag(FLAGS_note));
    r.set_by(absl::GetFlag(FLAGS_by));
    return Show(client.UpdateAlert(r), json);
  }
  return kNotMine;
}

}  // namespace outpost::client
