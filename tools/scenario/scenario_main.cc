// scenario: the reference office (a sub-district office during the 2020
// epidemic), generated deterministically from a seed, loaded and worked
// through the public gRPC API.
//
//   scenario generate --out=DIR            CSVs per community + truth.json
//   scenario load --node=HOST:PORT         the office into one node
//   scenario simulate --node=HOST:PORT --days=1
//   scenario demo --dir=DIR                central + communities end to end
//
// Exit codes: 0 ok, 1 failed (demo: central differs from the truth), 2 bad
// usage.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "tools/scenario/demo.h"
#include "tools/scenario/driver.h"
#include "tools/scenario/office.h"
#include "tools/scenario/plan.h"

ABSL_FLAG(uint64_t, seed, 2020, "the office's seed (same seed, same office)");
ABSL_FLAG(double, scale, 1.0,
          "households and residents as a fraction of the reference office "
          "(56,149 households, 161,771 residents)");
ABSL_FLAG(int, communities, 18, "the first N of the office's 18 communities");
ABSL_FLAG(int, days, 1, "simulated days of work");
ABSL_FLAG(int, first_day, 0, "simulate: the first day to play (0-based)");
ABSL_FLAG(std::string, out, "", "generate: the folder to write");
ABSL_FLAG(std::string, node, "127.0.0.1:7400",
          "load/simulate: the node (it must hold every community's scope)");
ABSL_FLAG(std::string, id_key_file, "",
          "load/simulate: the node's --id_key_file (default: the "
          "development key)");
ABSL_FLAG(std::string, dir, "demo-data",
          "demo: the data folder (nodes' databases and logs, truth.json)");
ABSL_FLAG(int, nodes, 0,
          "demo: community nodes (0: one per community); communities are "
          "spread over them");
ABSL_FLAG(int, cut, 3, "demo: community nodes cut from central mid-day");
ABSL_FLAG(int, conflicts, 2,
          "demo: residents per cut community edited at both ends while cut");
ABSL_FLAG(int, workers, 32,
          "client threads (checkpoint terminals and desks at work)");
ABSL_FLAG(bool, sync_full, true, "demo: the nodes' --sync_full");

namespace {

using namespace outpost::scenario;  // NOLINT: a program's main file

constexpr char kUsage[] =
    "usage: scenario COMMAND [flags]\n"
    "  generate --out=DIR [--seed --scale --communities --days]\n"
    "  load --node=HOST:PORT [--seed --scale --communities --id_key_file]\n"
    "  simulate --node=HOST:PORT [--days --first_day --seed --scale "
    "--communities --id_key_file]\n"
    "  demo [--dir=demo-data --communities=18 --nodes=0 --scale=1 --days=1 "
    "--cut=3 --conflicts=2 --workers=32 --sync_full]\n";

Office MakeOffice() {
  return GenerateOffice({absl::GetFlag(FLAGS_seed), absl::GetFlag(FLAGS_scale),
                         absl::GetFlag(FLAGS_communities)});
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &json, options);
  return json;
}

std::string IdKey() {
  const std::string file = absl::GetFlag(FLAGS_id_key_file);
  if (file.empty()) return kDevelopmentIdKey;
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(ss.str()));
}

int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "scenario: %s\n", message.c_str());
  return code;
}

std::string Csv(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += ',';
    line += fields[i];
  }
  return line + "\n";
}

int Generate() {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return Fail("generate: --out=DIR is required", 2);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) return Fail(absl::StrCat("--out: ", ec.message()), 2);
  const Office office = MakeOffice();
  std::ofstream compounds(out + "/compounds.csv");
  compounds << "id,community,name,kind,closed_since\n";
  for (const Compound& k : office.compounds) {
    compounds << Csv({k.id, office.communities[k.community].id, k.name, k.kind,
                      k.closed_since});
  }
  std::ofstream checkpoints(out + "/checkpoints.csv");
  checkpoints << "id,compound,name\n";
  for (const Checkpoint& c : office.checkpoints)
    checkpoints << Csv({c.id, office.compounds[c.compound].id, c.name});
  std::ofstream staff(out + "/staff.csv");
  staff << "id,name,phone,role,checkpoint,shift\n";
  for (const Staff& s : office.staff) {
    staff << Csv({s.id, s.name, s.phone, s.role,
                  office.checkpoints[s.checkpoint].id, s.shift});
  }
  // The work records (loaded once their services exist: issue 5).
  auto community = [&](int c) { return office.communities[c].id; };
  std::ofstream supplies(out + "/supplies_issued.csv");
  supplies << "community,to,item,unit,quantity,date\n";
  for (const SupplyIssue& x : office.supply_issues) {
    supplies << Csv({community(x.community), x.to, x.item, x.unit,
                     absl::StrCat(x.quantity), x.date});
  }
  std::ofstream donations(out + "/donations.csv");
  donations << "id,donor,item,unit,quantity,date\n";
  for (const Donation& d : office.donations) {
    donations << Csv(
        {d.id, d.donor, d.item, d.unit, absl::StrCat(d.quantity), d.date});
  }
  std::ofstream enterprises(out + "/enterprises.csv");
  enterprises << "id,community,name,employees,masks,reopened\n";
  for (const Enterprise& e : office.enterprises) {
    enterprises << Csv({e.id, community(e.community), e.name,
                        absl::StrCat(e.employees), absl::StrCat(e.masks),
                        e.reopened});
  }
  std::ofstream posts(out + "/party_posts.csv");
  posts << "post,branch,compound,name,checkpoint\n";
  for (const PartyBranch& b : office.party_branches) {
    for (size_t p = 0; p < b.posts.size(); ++p) {
      posts << Csv({absl::StrCat(b.id, "-", p + 1), b.id,
                    office.compounds[b.compound].id, b.name,
                    office.checkpoints[b.posts[p]].id});
    }
  }
  std::ofstream emergencies(out + "/emergencies.csv");
  emergencies << "id,community,date,kind,summary\n";
  for (const EmergencyResponse& r : office.emergencies) {
    emergencies << Csv(
        {r.id, community(r.community), r.date, r.kind, r.summary});
  }
  // The days' daily reports and service requests.
  std::ofstream reports(out + "/daily_reports.csv");
  reports << "community,date,passages,fevers,denials,health_checks,"
             "under_control,service_requests,zero\n";
  std::ofstream services(out + "/service_requests.csv");
  services << "community,date,household,kind\n";
  for (int d = 0; d < absl::GetFlag(FLAGS_days); ++d) {
    for (size_t c = 0; c < office.communities.size(); ++c) {
      const CommunityDay day = PlanDay(office, static_cast<int>(c), d);
      const DailyReport& r = day.report;
      reports << Csv({community(c), r.date, absl::StrCat(r.passages),
                      absl::StrCat(r.fevers), absl::StrCat(r.denials),
                      absl::StrCat(r.health_checks),
                      absl::StrCat(r.under_control),
                      absl::StrCat(r.service_requests), r.zero ? "1" : "0"});
      for (const ServiceEvent& e : day.services) {
        const Household& h = office.households[e.household];
        services << Csv({community(c), r.date,
                         absl::StrCat(office.compounds[h.compound].id, "/",
                                      h.building, "-", h.unit, "-", h.room),
                         e.kind});
      }
    }
  }
  for (size_t c = 0; c < office.communities.size(); ++c) {
    std::ofstream(
        absl::StrCat(out, "/residents-", office.communities[c].id, ".csv"))
        << ResidentsCsv(office, static_cast<int>(c));
  }
  const GroundTruth truth = ComputeTruth(office, absl::GetFlag(FLAGS_days));
  std::ofstream(out + "/truth.json") << ToJson(truth);
  std::printf(
      "%zu communities, %zu compounds, %zu checkpoints, %zu staff, %zu "
      "households, %zu residents; %lld passages over %d day(s)\nwritten to "
      "%s (residents-*.csv import with `outpost import residents`)\n",
      office.communities.size(), office.compounds.size(),
      office.checkpoints.size(), office.staff.size(), office.households.size(),
      office.residents.size(), static_cast<long long>(truth.total().passages()),
      absl::GetFlag(FLAGS_days), out.c_str());
  return 0;
}

std::unique_ptr<outpost::client::Client> ConnectOrDie() {
  // The node's token, as the CLI takes it (README "Security").
  const char* token = std::getenv("OUTPOST_TOKEN");
  auto client = outpost::client::Client::Connect(
      {absl::GetFlag(FLAGS_node), absl::Seconds(60),
       token != nullptr ? token : "", ""});
  if (!client.ok()) {
    Fail(client.status().ToString(), 2);
    std::exit(2);
  }
  return std::move(*client);
}

int Load() {
  const Office office = MakeOffice();
  auto client = ConnectOrDie();
  std::atomic<int64_t> loaded{0};
  for (size_t c = 0; c < office.communities.size(); ++c) {
    absl::Status s =
        LoadCommunity(office, static_cast<int>(c), *client, IdKey(), &loaded);
    if (!s.ok()) return Fail(s.ToString(), absl::IsUnavailable(s) ? 3 : 1);
    std::fprintf(stderr, "loaded %s: %lld residents so far\n",
                 office.communities[c].id.c_str(),
                 static_cast<long long>(loaded.load()));
  }
  std::printf("loaded %zu communities, %lld residents into %s\n",
              office.communities.size(), static_cast<long long>(loaded.load()),
              absl::GetFlag(FLAGS_node).c_str());
  return 0;
}

int Simulate() {
  const Office office = MakeOffice();
  auto client = ConnectOrDie();
  DayStats total;
  Counts counts;
  const int first = absl::GetFlag(FLAGS_first_day);
  for (int d = first; d < first + absl::GetFlag(FLAGS_days); ++d) {
    for (size_t c = 0; c < office.communities.size(); ++c) {
      const CommunityDay day = PlanDay(office, static_cast<int>(c), d);
      AddDay(day, &counts);
      total.Add(
          PlayPasses(office, day, 0, day.passes.size(), -1, *client, nullptr));
      total.Add(PlayChecksAndEdits(office, day, *client, IdKey(), nullptr));
    }
    std::fprintf(stderr, "day %d (%s) played\n", d + 1, DayDate(d).c_str());
  }
  std::printf(
      "%lld calls (%lld failed, %lld unexpected decisions): %lld passages "
      "(%lld fevers, %lld refused), %lld health checks, %lld edits\n",
      static_cast<long long>(total.calls), static_cast<long long>(total.failed),
      static_cast<long long>(total.unexpected),
      static_cast<long long>(counts.passages()),
      static_cast<long long>(counts.passage_fevers()),
      static_cast<long long>(counts.denials()),
      static_cast<long long>(counts.health_checks()),
      static_cast<long long>(counts.resident_edits()));
  if (!total.first_error.empty())
    std::fprintf(stderr, "first error: %s\n", total.first_error.c_str());
  return total.failed == 0 && total.unexpected == 0 ? 0 : 1;
}

int Demo() {
  DemoOptions options;
  options.dir = absl::GetFlag(FLAGS_dir);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.scale = absl::GetFlag(FLAGS_scale);
  options.communities = absl::GetFlag(FLAGS_communities);
  options.nodes = absl::GetFlag(FLAGS_nodes);
  options.days = absl::GetFlag(FLAGS_days);
  options.cut = absl::GetFlag(FLAGS_cut);
  options.conflicts_per_cut = absl::GetFlag(FLAGS_conflicts);
  options.workers = absl::GetFlag(FLAGS_workers);
  options.sync_full = absl::GetFlag(FLAGS_sync_full);
  options.progress = [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  };
  absl::StatusOr<DemoResult> result = RunDemo(options);
  if (!result.ok()) return Fail(result.status().ToString());
  std::printf("\n%s", result->report.c_str());
  std::printf(
      "用时 %.1f s; data in %s (truth.json, central.json, nodes/*.db, "
      "nodes/*.log)\n",
      result->seconds, options.dir.c_str());
  return result->differences.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 2) return Fail(kUsage, 2);
  const std::string command = args[1];
  const double scale = absl::GetFlag(FLAGS_scale);
  if (!(scale > 0 && scale <= 1)) return Fail("--scale: must be in (0, 1]", 2);
  const int communities = absl::GetFlag(FLAGS_communities);
  if (communities < 1 || communities > Reference::kCommunities)
    return Fail("--communities: must be 1-18", 2);
  if (absl::GetFlag(FLAGS_days) < 1 || absl::GetFlag(FLAGS_days) > 30)
    return Fail("--days: must be 1-30", 2);
  if (command == "generate") return Generate();
  if (command == "load") return Load();
  if (command == "simulate") return Simulate();
  if (command == "demo") return Demo();
  return Fail(absl::StrCat("unknown command \"", command, "\"\n", kUsage), 2);
}
