// outpost: the command-line thin client (see README "outpost CLI").
//
//   outpost [--node=HOST:PORT] [--json] COMMAND [ARGS...]
//
// Human-readable output by default; --json prints the response in protobuf's
// JSON mapping with the proto's field names. Exit codes: 0 success, 1 the
// node refused or the check failed (verify), 2 bad usage, 3 node unreachable.
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <clocale>
#include <cstdio>
#include <cwchar>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/client.h"

ABSL_FLAG(std::string, node, "127.0.0.1:7400",
          "the node to talk to, HOST:PORT");
ABSL_FLAG(bool, json, false, "print the response as JSON (proto field names)");
ABSL_FLAG(int, timeout_ms, 5000, "give up on the node after this long");
ABSL_FLAG(std::string, table, "", "conflicts list: only this table");
ABSL_FLAG(std::string, community, "",
          "the community (scope): add commands, list filters");
ABSL_FLAG(std::string, id, "",
          "compound add / checkpoint add: the new row's id");
ABSL_FLAG(std::string, name, "", "a name (compound, checkpoint, resident)");
ABSL_FLAG(std::string, kind, "",
          "compound kind: commodity_housing, village_to_residence, "
          "public_rental, unmanaged");
ABSL_FLAG(std::string, compound, "", "a compound id");
ABSL_FLAG(std::string, building, "", "household: building");
ABSL_FLAG(std::string, unit, "", "household: unit");
ABSL_FLAG(std::string, room, "", "household: room");
ABSL_FLAG(std::string, household, "", "resident: household id");
ABSL_FLAG(std::string, id_number, "", "an 18-character ID-card number");
ABSL_FLAG(std::string, phone, "", "a phone number");
ABSL_FLAG(std::string, control, "",
          "none, home_quarantine, centralized_quarantine or released (update; "
          "list filter)");
ABSL_FLAG(std::string, key_category, "", "resident: key-person category");
ABSL_FLAG(std::string, checkpoint, "", "pass: checkpoint id");
ABSL_FLAG(std::string, direction, "", "pass: in or out");
ABSL_FLAG(std::string, temp, "", "pass: temperature in degrees C (34.0-43.0)");
ABSL_FLAG(std::string, staff, "", "pass: the duty staff member");
ABSL_FLAG(std::string, visitor_name, "",
          "pass: name of someone not registered");
ABSL_FLAG(std::string, status, "", "alerts list: only this status");
ABSL_FLAG(std::string, note, "", "alerts ack|handle|close: what was done");
ABSL_FLAG(std::string, by, "", "alerts ack|handle|close: who did it");
ABSL_FLAG(std::string, control_start, "",
          "resident update: control start date YYYY-MM-DD");
ABSL_FLAG(std::string, control_end, "",
          "resident update: control end date YYYY-MM-DD");
ABSL_FLAG(std::string, special_care, "", "resident update: special-care group");
ABSL_FLAG(std::string, role, "",
          "staff: duty, volunteer, police, medic or party_member");
ABSL_FLAG(std::string, shift, "", "staff: HH:MM-HH:MM");
ABSL_FLAG(std::string, resident, "", "health record: the resident id");
ABSL_FLAG(std::string, symptoms, "", "health record: symptoms observed");
ABSL_FLAG(int, interval_hours, 12,
          "health due: hours between checks (12 = twice daily)");
ABSL_FLAG(
    bool, skip_bad, false,
    "import: write the good lines and put the bad ones in FILE.rejects.csv "
    "(default: a file with any bad line writes nothing)");

namespace outpost::client {
namespace {

constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnreachable = 3;

int Fail(const absl::Status& status) {
  std::cerr << "outpost: " << status.message() << std::endl;
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    return kExitUnreachable;
  }
  if (absl::IsInvalidArgument(status)) return kExitUsage;
  return kExitRefused;
}

void PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  std::cout << out;
}

std::string FormatMs(int64_t ms) {
  if (ms <= 0) return "从未 (never)";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(ms),
                          absl::LocalTimeZone());
}

std::string FormatVv(const outpost::v1::VersionVector& vv) {
  std::vector<std::string> parts;
  for (const auto& e : vv.entries())
    parts.push_back(absl::StrCat(e.origin(), ":", e.seq()));
  return parts.empty() ? "-" : absl::StrJoin(parts, " ");
}

int CmdStatus(Client& client, bool json) {
  absl::StatusOr<outpost::v1::StatusResponse> s = client.Status();
  if (!s.ok()) return Fail(s.status());
  if (json) {
    PrintJson(*s);
    return 0;
  }
  std::printf("节点 node        %s (%s)\n", s->node_id().c_str(),
              s->role().c_str());
  std::printf("范围 scopes      %s\n", absl::StrJoin(s->scopes(), ",").c_str());
  std::printf("上游 upstream    %s %s\n", s->upstream_state().c_str(),
              s->upstream_address().c_str());
  if (!s->upstream_last_error().empty()) {
    std::printf("上次错误 error   %s\n", s->upstream_last_error().c_str());
  }
  std::printf("最近同步 synced  %s\n", FormatMs(s->last_sync_ms()).c_str());
  std::printf("版本 vv          %s\n", FormatVv(s->vv()).c_str());
  std::printf("日志 log         %lld changes\n",
              static_cast<long long>(s->log_size()));
  std::printf("冲突 conflicts   %lld\n",
              static_cast<long long>(s->open_conflicts()));
  std::printf("隔离 quarantined %lld\n",
              static_cast<long long>(s->quarantined()));
  std::printf("等待 pending     %lld\n", static_cast<long long>(s->pending()));
  std::printf("时钟 clock skew  %lld warnings\n",
              static_cast<long long>(s->clock_skew_warnings()));
  for (const auto& p : s->peers()) {
    std::printf("对端 peer        %s backlog %llu sent %lld received %lld\n",
                p.node_id().c_str(),
                static_cast<unsigned long long>(p.backlog()),
                static_cast<long long>(p.changes_sent()),
                static_cast<long long>(p.changes_received()));
  }
  return 0;
}

int CmdVerify(Client& client, bool json) {
  absl::StatusOr<outpost::v1::VerifyResponse> v = client.Verify();
  if (!v.ok()) return Fail(v.status());
  if (json) {
    PrintJson(*v);
  } else {
    for (const auto& e : v->entries()) {
      std::printf("%-4s %-20s %-12s %8lld rows (upstream %lld)\n",
                  e.equal() ? "OK" : "DIFF", e.table().c_str(),
                  e.scope().c_str(), static_cast<long long>(e.local_rows()),
                  static_cast<long long>(e.upstream_rows()));
    }
  }
  if (!v->all_equal()) {
    std::vector<std::string> differ;
    for (const auto& e : v->entries()) {
      if (!e.equal()) differ.push_back(absl::StrCat(e.table(), "/", e.scope()));
    }
    std::cerr << "outpost: differs from upstream " << v->upstream() << ": "
              << absl::StrJoin(differ, ", ") << std::endl;
    return kExitRefused;
  }
  return 0;
}

int CmdConflictsList(Client& client, bool json) {
  outpost::v1::ConflictsRequest request;
  request.set_table(absl::GetFlag(FLAGS_table));
  request.set_scope(absl::GetFlag(FLAGS_community));
  absl::StatusOr<outpost::v1::ConflictsResponse> c = client.Conflicts(request);
  if (!c.ok()) return Fail(c.status());
  if (json) {
    PrintJson(*c);
    return 0;
  }
  if (c->conflicts().empty()) std::printf("没有冲突 (no conflicts)\n");
  for (const auto& x : c->conflicts()) {
    std::printf("%s  %s %s.%s (%s, %s) %d values\n", x.id().c_str(),
                x.table().c_str(), x.row_id().c_str(), x.field().c_str(),
                x.scope().c_str(), x.kind().c_str(), x.values_size());
  }
  return 0;
}

// Human-readable: the message's fields one per line, Chinese shown as is.
void PrintText(const google::protobuf::Message& message) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(true);
  std::string out;
  printer.PrintToString(message, &out);
  std::cout << out;
}

// Display width of UTF-8 text on a terminal: Chinese characters take two
// columns (libc's wcwidth under a UTF-8 locale).
int DisplayWidth(const std::string& text) {
  std::mbstate_t state{};
  int width = 0;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    wchar_t wc;
    const size_t n = std::mbrtowc(&wc, p, end - p, &state);
    if (n == 0 || n == static_cast<size_t>(-1) ||
        n == static_cast<size_t>(-2)) {
      ++width;  // not valid UTF-8: count the byte
      ++p;
      state = {};
      continue;
    }
    const int w = wcwidth(wc);
    width += w < 0 ? 1 : w;
    p += n;
  }
  return width;
}

std::string FieldText(const google::protobuf::Message& m,
                      const google::protobuf::FieldDescriptor* f) {
  const auto* r = m.GetReflection();
  using F = google::protobuf::FieldDescriptor;
  switch (f->cpp_type()) {
    case F::CPPTYPE_STRING:
      return r->GetString(m, f);
    case F::CPPTYPE_BOOL:
      return r->GetBool(m, f) ? "yes" : "no";
    case F::CPPTYPE_INT32:
      return std::to_string(r->GetInt32(m, f));
    case F::CPPTYPE_INT64:
      return std::to_string(r->GetInt64(m, f));
    case F::CPPTYPE_UINT64:
      return std::to_string(r->GetUInt64(m, f));
    case F::CPPTYPE_DOUBLE:
      return absl::StrCat(r->GetDouble(m, f));
    default:
      return "";
  }
}

// A response holding one list prints as an aligned table (columns that are
// empty in every row are left out); anything else as "field: value" lines.
void PrintHuman(const google::protobuf::Message& response) {
  const auto* d = response.GetDescriptor();
  const google::protobuf::FieldDescriptor* list = nullptr;
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->is_repeated() && d->field(i)->message_type() != nullptr) {
      list = d->field(i);
      break;
    }
  }
  if (list == nullptr) {
    PrintText(response);
    return;
  }
  const auto* r = response.GetReflection();
  const int rows = r->FieldSize(response, list);
  if (rows == 0) {
    std::printf("(无 none)\n");
    return;
  }
  const auto* row_type = list->message_type();
  std::vector<const google::protobuf::FieldDescriptor*> columns;
  for (int c = 0; c < row_type->field_count(); ++c) {
    const auto* f = row_type->field(c);
    if (f->is_repeated() || f->message_type() != nullptr) continue;
    for (int i = 0; i < rows; ++i) {
      const std::string v =
          FieldText(r->GetRepeatedMessage(response, list, i), f);
      if (!v.empty() && v != "0" && v != "no") {
        columns.push_back(f);
        break;
      }
    }
  }
  std::vector<std::vector<std::string>> cells(rows + 1);
  for (const auto* f : columns) cells[0].push_back(f->name());
  for (int i = 0; i < rows; ++i) {
    for (const auto* f : columns) {
      cells[i + 1].push_back(
          FieldText(r->GetRepeatedMessage(response, list, i), f));
    }
  }
  std::vector<int> widths(columns.size(), 0);
  for (const auto& row : cells) {
    for (size_t c = 0; c < row.size(); ++c)
      widths[c] = std::max(widths[c], DisplayWidth(row[c]));
  }
  for (const auto& row : cells) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size())
        line += std::string(widths[c] - DisplayWidth(row[c]) + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

template <typename Response>
int Show(const absl::StatusOr<Response>& response, bool json) {
  if (!response.ok()) return Fail(response.status());
  if (json) {
    PrintJson(*response);
  } else {
    PrintHuman(*response);
  }
  return 0;
}

// The domain commands: registry, checkpoints, alerts.
int CommunityCommand(Client& client, bool json, const std::string& command,
                     const std::string& sub, const std::string& arg) {
  namespace pb = outpost::v1;
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
    double temp = 0;
    if (!absl::SimpleAtod(absl::GetFlag(FLAGS_temp), &temp)) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "--temp: \"", absl::GetFlag(FLAGS_temp), "\" is not a temperature")));
    }
    r.set_temp(temp);
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
    return Show(client.AddStaff(r), json);
  }
  if (command == "staff" && sub == "list") {
    pb::ListStaffRequest r;
    r.set_checkpoint(absl::GetFlag(FLAGS_checkpoint));
    return Show(client.ListStaff(r), json);
  }
  if (command == "health" && sub == "record") {
    pb::HealthRecordRequest r;
    r.set_resident_id(absl::GetFlag(FLAGS_resident));
    double temp = 0;
    if (!absl::SimpleAtod(absl::GetFlag(FLAGS_temp), &temp)) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "--temp: \"", absl::GetFlag(FLAGS_temp), "\" is not a temperature")));
    }
    r.set_temp(temp);
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
  return -1;  // not a community command
}

int Run(const std::vector<char*>& args) {
  if (args.size() < 2) {
    std::cerr
        << "outpost: a command is required (status, verify, conflicts list); "
           "see --help"
        << std::endl;
    return kExitUsage;
  }
  Client::Options options;
  options.address = absl::GetFlag(FLAGS_node);
  options.timeout = absl::Milliseconds(absl::GetFlag(FLAGS_timeout_ms));
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(options);
  if (!client.ok()) return Fail(client.status());
  const bool json = absl::GetFlag(FLAGS_json);
  const std::string command = args[1];
  const std::string sub = args.size() > 2 ? args[2] : "";
  if (command == "status") return CmdStatus(**client, json);
  if (command == "verify") return CmdVerify(**client, json);
  if (command == "conflicts" && (sub == "list" || sub.empty())) {
    return CmdConflictsList(**client, json);
  }
  const std::string arg = args.size() > 3 ? args[3] : "";
  const int code = CommunityCommand(**client, json, command, sub, arg);
  if (code >= 0) return code;
  std::cerr << "outpost: unknown command \""
            << absl::StrJoin(args.begin() + 1, args.end(), " ")
            << "\" (see --help)" << std::endl;
  return kExitUsage;
}

}  // namespace
}  // namespace outpost::client

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "outpost [--node=HOST:PORT] [--json] COMMAND\n"
      "commands: status | verify | conflicts list [--table --community]\n"
      "  compound add --id --community --name [--kind] | compound list "
      "[--community]\n"
      "  checkpoint add --id --compound --name | checkpoint list [--compound]\n"
      "  community add --id --name | community list\n"
      "  staff add --id --name --checkpoint --shift=HH:MM-HH:MM [--phone "
      "--role] | staff list\n"
      "  household add --community --compound --building [--unit] --room\n"
      "  resident add --household --name --id_number [--phone --key_category]\n"
      "  resident update ID [--name --phone --control --control_start "
      "--control_end\n"
      "      --key_category --special_care]\n"
      "  resident show ID | resident find --id_number | resident list "
      "[--community --compound --control]\n"
      "  pass --checkpoint --id_number --direction=in|out --temp [--staff "
      "--visitor_name]\n"
      "  alerts list [--status] | alerts ack|handle|close ID --note --by\n"
      "  health record --resident=ID --temp=T [--symptoms --by] | health due "
      "[--interval_hours]\n"
      "  import residents FILE.csv [--skip_bad]");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  // UTF-8 for display widths of Chinese text; the output bytes are unchanged.
  std::setlocale(LC_CTYPE, "C.UTF-8");
  return outpost::client::Run(args);
}
