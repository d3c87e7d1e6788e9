#include "tools/scenario/demo.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "sync/replica.h"
#include "sync/status_macros.h"
#include "tools/scenario/consolidate.h"
#include "tools/scenario/office.h"
#include "tools/scenario/plan.h"
#include "tools/scenario/random.h"
#include "tools/testbed/fault_proxy.h"
#include "tools/testbed/node_process.h"

namespace outpost::scenario {
namespace {

namespace pb = outpost::v1;
using testing::FaultProxy;
using testing::NodeProcess;

// A community node: its process, the proxy between it and central, a
// client, and the communities (scopes) it holds.
struct Node {
  std::string id;
  std::vector<int> communities;
  std::unique_ptr<FaultProxy> proxy;
  std::unique_ptr<NodeProcess> process;
  std::unique_ptr<client::Client> client;
  bool cut = false;
};

std::string Thousands(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

// Runs fn(i) for i in [0, n) on `workers` threads.
void ParallelFor(int n, int workers, const std::function<void(int)>& fn) {
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < std::max(1, std::min(workers, n)); ++w) {
    threads.emplace_back([&] {
      for (int i = next++; i < n; i = next++) fn(i);
    });
  }
  for (std::thread& t : threads) t.join();
}

class Demo {
 public:
  explicit Demo(const DemoOptions& options) : options_(options) {
    if (!options_.progress) options_.progress = [](const std::string&) {};
  }

  absl::StatusOr<DemoResult> Run();

 private:
  void Say(const std::string& line) {
    options_.progress(absl::StrFormat(
        "[%6.1fs] %s", absl::ToDoubleSeconds(absl::Now() - start_), line));
  }
  // Calls fn(i) for i in [0, n) on the worker threads while printing
  // `counter` against `total` every two seconds.
  void ForEach(const std::string& what, int64_t total,
               std::atomic<int64_t>& counter, int n,
               const std::function<void(int)>& fn);
  // ForEach over the communities.
  void ForEachCommunity(const std::string& what, int64_t total,
                        std::atomic<int64_t>& counter,
                        const std::function<void(int)>& fn) {
    ForEach(what, total, counter, static_cast<int>(office_.communities.size()),
            fn);
  }
  // ForEach over the checkpoints, each one a terminal playing its passages
  // of [from, to) of its community's plan (from/to: the plan's size times
  // these fractions).
  void PlayGates(const std::string& what,
                 const std::vector<CommunityDay>& plans, double from,
                 double to);
  absl::Status StartNodes();
  absl::Status Load();
  absl::Status PlayDay(int day);
  absl::Status MakeConflicts();
  // Waits until every node verifies equal with central (Admin.Verify: the
  // digests of every (table, scope) it holds); returns the time it took.
  absl::StatusOr<absl::Duration> Converge(const std::string& what);
  int64_t ChangesSynced();
  // Sum over central's peers of what it still owes them (0 once in sync).
  int64_t CentralBacklog();
  int64_t WireBytes() const;
  client::Client& ClientFor(int community) {
    return *nodes_[node_of_[community]].client;
  }
  void Record(const DayStats& stats) {
    absl::MutexLock lock(&mu_);
    result_.stats.Add(stats);
  }

  DemoOptions options_;
  absl::Time start_ = absl::Now();
  std::string node_dir_;
  std::string key_file_;
  std::string id_key_;
  Office office_;
  std::unique_ptr<NodeProcess> central_;
  std::unique_ptr<client::Client> central_client_;
  std::vector<Node> nodes_;
  std::vector<int> node_of_;                // community -> index in nodes_
  std::map<std::string, int64_t> made_in_;  // conflicts made per community
  absl::Mutex mu_;
  DemoResult result_;
};

void Demo::ForEach(const std::string& what, int64_t total,
                   std::atomic<int64_t>& counter, int n,
                   const std::function<void(int)>& fn) {
  const absl::Time begin = absl::Now();
  std::atomic<bool> done{false};
  std::thread ticker([&] {
    while (!done) {
      for (int i = 0; i < 20 && !done; ++i)
        absl::SleepFor(absl::Milliseconds(100));
      if (done) break;
      const int64_t n = counter;
      const double s = absl::ToDoubleSeconds(absl::Now() - begin);
      Say(absl::StrFormat("  %s %s/%s (%.0f/s)", what, Thousands(n),
                          Thousands(total), s > 0 ? n / s : 0.0));
    }
  });
  ParallelFor(n, options_.workers, fn);
  done = true;
  ticker.join();
  const double s = absl::ToDoubleSeconds(absl::Now() - begin);
  Say(absl::StrFormat("  %s %s done in %.1f s (%.0f/s)", what,
                      Thousands(counter), s, s > 0 ? counter / s : 0.0));
}

absl::Status Demo::StartNodes() {
  const int communities = static_cast<int>(office_.communities.size());
  const int n =
      options_.nodes <= 0 ? communities : std::min(options_.nodes, communities);
  node_of_.assign(communities, 0);
  nodes_.resize(n);
  for (int c = 0; c < communities; ++c) {
    node_of_[c] = c % n;
    nodes_[c % n].communities.push_back(c);
  }
  const std::vector<std::string> common = {
      "--log_level=warning", "--id_key_file=" + key_file_,
      absl::StrCat("--sync_full=", options_.sync_full ? "true" : "false")};
  testing::NodeSpec spec;
  spec.node_id = "central";
  spec.role = "central";
  spec.dir = node_dir_;
  spec.extra_flags = common;
  absl::StatusOr<std::unique_ptr<NodeProcess>> central =
      NodeProcess::Start(spec);
  if (!central.ok()) return central.status();
  central_ = std::move(*central);
  absl::StatusOr<std::unique_ptr<client::Client>> cc = client::Client::Connect(
      {central_->address(), absl::Seconds(60), central_->admin_token(), ""});
  if (!cc.ok()) return cc.status();
  central_client_ = std::move(*cc);
  for (int i = 0; i < n; ++i) {
    Node& node = nodes_[i];
    std::vector<std::string> scopes;
    for (int c : node.communities) scopes.push_back(office_.communities[c].id);
    node.id = n == communities ? scopes[0] : absl::StrFormat("node%02d", i + 1);
    absl::StatusOr<std::unique_ptr<FaultProxy>> proxy =
        FaultProxy::Start("127.0.0.1", central_->port());
    if (!proxy.ok()) return proxy.status();
    node.proxy = std::move(*proxy);
    testing::NodeSpec s;
    s.node_id = node.id;
    s.dir = node_dir_;
    s.upstream = absl::StrCat("127.0.0.1:", node.proxy->port());
    s.extra_flags = common;
    s.extra_flags.push_back("--scopes=" + absl::StrJoin(scopes, ","));
    absl::StatusOr<std::unique_ptr<NodeProcess>> process =
        NodeProcess::Start(s);
    if (!process.ok()) return process.status();
    node.process = std::move(*process);
    absl::StatusOr<std::unique_ptr<client::Client>> client =
        client::Client::Connect({node.process->address(), absl::Seconds(60),
                                 node.process->admin_token(), ""});
    if (!client.ok()) return client.status();
    node.client = std::move(*client);
  }
  Say(
      absl::StrFormat("central at %s; %d community node(s), each behind a "
                      "fault proxy",
                      central_->address(), n));
  return absl::OkStatus();
}

absl::Status Demo::Load() {
  std::atomic<int64_t> loaded{0};
  absl::Status first;
  ForEachCommunity(
      "residents loaded", static_cast<int64_t>(office_.residents.size()),
      loaded, [&](int c) {
        absl::Status s =
            LoadCommunity(office_, c, ClientFor(c), id_key_, &loaded);
        if (s.ok() && options_.load_work)
          s = options_.load_work(office_, c, ClientFor(c));
        absl::MutexLock lock(&mu_);
        if (!s.ok() && first.ok()) first = s;
      });
  return first;
}

absl::Status Demo::PlayDay(int day) {
  const int communities = static_cast<int>(office_.communities.size());
  std::vector<CommunityDay> plans(communities);
  ParallelFor(communities, options_.workers, [&](int c) {
    plans[c] = PlanDay(office_, c, day, options_.plan);
  });
  int64_t passes = 0, rest = 0;
  for (const CommunityDay& p : plans) {
    passes += static_cast<int64_t>(p.passes.size());
    rest += static_cast<int64_t>(p.checks.size() + p.edits.size());
  }
  Say(absl::StrFormat("day %d (%s): %s passages, %s health checks and edits",
                      day + 1, DayDate(day), Thousands(passes),
                      Thousands(rest)));
  PlayGates("morning passages", plans, 0, 0.5);
  if (day == 0 && options_.cut > 0) {
    std::vector<std::string> cut;
    for (int i = 0; i < std::min<int>(options_.cut, nodes_.size()); ++i) {
      nodes_[i].proxy->SetMode(FaultProxy::Mode::kBlackhole);
      nodes_[i].cut = true;
      cut.push_back(nodes_[i].id);
    }
    Say(
        absl::StrFormat("网络中断 network cut for %s (their checkpoints keep "
                        "working)",
                        absl::StrJoin(cut, ", ")));
    RETURN_IF_ERROR(MakeConflicts());
  }
  PlayGates("afternoon passages", plans, 0.5, 1.0);
  std::atomic<int64_t> counter{0};
  ForEachCommunity("health checks and registry edits", rest, counter,
                   [&](int c) {
                     Record(PlayChecksAndEdits(office_, plans[c], ClientFor(c),
                                               id_key_, &counter));
                   });
  if (!options_.play_work) return absl::OkStatus();
  absl::Status first;
  ParallelFor(static_cast<int>(plans.size()), options_.workers, [&](int c) {
    absl::Status s =
        options_.play_work(office_, plans[c], id_key_, ClientFor(c));
    absl::MutexLock lock(&mu_);
    if (!s.ok() && first.ok()) first = s;
  });
  return first;
}

void Demo::PlayGates(const std::string& what,
                     const std::vector<CommunityDay>& plans, double from,
                     double to) {
  auto index = [](const CommunityDay& p, double f) {
    return static_cast<size_t>(static_cast<double>(p.passes.size()) * f);
  };
  int64_t total = 0;
  for (const CommunityDay& p : plans)
    total += static_cast<int64_t>(index(p, to) - index(p, from));
  std::atomic<int64_t> counter{0};
  ForEach(what, total, counter, static_cast<int>(office_.checkpoints.size()),
          [&](int k) {
            const int c =
                office_.compounds[office_.checkpoints[k].compound].community;
            Record(PlayPasses(office_, plans[c], index(plans[c], from),
                              index(plans[c], to), k, ClientFor(c), &counter));
          });
}

absl::Status Demo::MakeConflicts() {
  // Residents edited nowhere else in the run: not under control and not in
  // any day's planned edits, so each pair makes exactly one conflict.
  std::set<int> edited;
  for (const Node& node : nodes_) {
    if (!node.cut) continue;
    for (int c : node.communities) {
      for (int d = 0; d < options_.days; ++d) {
        for (const EditEvent& e : PlanDay(office_, c, d, options_.plan).edits)
          edited.insert(e.resident);
      }
    }
  }
  int made = 0;
  for (const Node& node : nodes_) {
    if (!node.cut) continue;
    for (int c : node.communities) {
      Rng rng = Rng::For(office_.seed, 7, c);
      std::vector<int> members;
      for (int k : office_.communities[c].compounds)
        for (int h : office_.compounds[k].households)
          for (int m : office_.households[h].members)
            if (office_.residents[m].control == "none" && !edited.count(m))
              members.push_back(m);
      std::set<int> chosen;
      for (int i = 0;
           i < options_.conflicts_per_cut && chosen.size() < members.size();) {
        const int m = rng.Pick(members);
        if (!chosen.insert(m).second) continue;
        ++i;
        // The desk at the community and an operator at central both correct
        // the phone number, differently, while they cannot see each other.
        for (int side = 0; side < 2; ++side) {
          pb::UpdateResidentRequest request;
          request.set_id(ResidentRowId(office_, m, id_key_));
          request.mutable_resident()->set_phone(absl::StrFormat(
              "%s%08d", side == 0 ? "137" : "139", rng.Range(0, 99999999)));
          request.add_set("phone");
          client::Client& client = side == 0 ? *node.client : *central_client_;
          absl::StatusOr<pb::Resident> r = client.UpdateResident(request);
          if (!r.ok()) {
            return absl::Status(r.status().code(),
                                absl::StrCat("conflicting edit at ",
                                             side == 0 ? node.id : "central",
                                             ": ", r.status().message()));
          }
        }
        ++made;
        ++made_in_[office_.communities[c].id];
      }
    }
  }
  result_.conflicts_made = made;
  Say(
      absl::StrFormat("%d resident(s) edited both at their community and at "
                      "central while cut (phone numbers)",
                      made));
  return absl::OkStatus();
}

int64_t Demo::ChangesSynced() {
  // Central holds every scope, so its version vector counts exactly the
  // community changes it has applied (a community's vv also counts changes
  // it skipped as out of its scopes, so it is not summed here).
  int64_t total = 0;
  absl::StatusOr<pb::StatusResponse> s = central_client_->Status();
  if (s.ok()) {
    for (const auto& e : s->vv().entries())
      if (sync::NodeOfOrigin(e.origin()) != "central") {
        total += static_cast<int64_t>(e.seq());
      }
  }
  return total;
}

int64_t Demo::CentralBacklog() {
  absl::StatusOr<pb::StatusResponse> s = central_client_->Status();
  if (!s.ok()) return -1;
  int64_t total = 0;
  for (const pb::PeerStatus& peer : s->peers())
    total += static_cast<int64_t>(peer.backlog());
  return total;
}

int64_t Demo::WireBytes() const {
  int64_t total = 0;
  for (const Node& node : nodes_) total += node.proxy->bytes_forwarded();
  return total;
}

absl::StatusOr<absl::Duration> Demo::Converge(const std::string& what) {
  const absl::Time begin = absl::Now();
  const absl::Time deadline = begin + options_.converge_timeout;
  absl::Time last_say = begin;
  while (true) {
    int equal = 0;
    for (Node& node : nodes_) {
      absl::StatusOr<pb::VerifyResponse> v = node.client->Verify();
      if (v.ok() && v->all_equal() && v->entries_size() > 0) ++equal;
    }
    // Equal digests for every scope a node holds is convergence, and central
    // then owes no peer anything (its per-peer backlog is 0).
    const int64_t backlog = CentralBacklog();
    if (equal == static_cast<int>(nodes_.size()) && backlog == 0) {
      return absl::Now() - begin;
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrFormat(
          "%s: %d of %d nodes equal with central after %s (central's "
          "backlog to its peers: %d)",
          what, equal, nodes_.size(),
          absl::FormatDuration(options_.converge_timeout), backlog));
    }
    if (absl::Now() - last_say > absl::Seconds(2)) {
      last_say = absl::Now();
      Say(absl::StrFormat(
          "  %s: %d/%d nodes equal with central, %s changes "
          "synced so far",
          what, equal, nodes_.size(), Thousands(ChangesSynced())));
    }
    absl::SleepFor(absl::Milliseconds(300));
  }
}

absl::StatusOr<DemoResult> Demo::Run() {
  if (options_.dir.empty()) return absl::InvalidArgumentError("dir: required");
  node_dir_ = options_.dir + "/nodes";
  std::error_code ec;
  std::filesystem::remove_all(node_dir_, ec);
  std::filesystem::create_directories(node_dir_, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("dir: cannot create ", node_dir_, ": ", ec.message()));
  }
  // The sub-district's key for resident ids, the same on every node.
  id_key_ = absl::StrCat("outpost-demo-id-key-", options_.seed);
  key_file_ = options_.dir + "/id.key";
  std::ofstream(key_file_) << id_key_ << "\n";

  Say(absl::StrFormat(
      "[1/7] 生成街道 generating the office (seed %d, scale "
      "%g, %d communities, %d day(s))",
      options_.seed, options_.scale, options_.communities, options_.days));
  OfficeOptions office_options;
  office_options.seed = options_.seed;
  office_options.scale = options_.scale;
  office_options.communities = options_.communities;
  office_options.quarantine_rate = options_.quarantine_rate;
  office_ = GenerateOffice(office_options);
  result_.truth = ComputeTruth(office_, options_.days, options_.plan);
  Say(absl::StrFormat(
      "  %d compounds, %d checkpoints, %d staff, %s "
      "households, %s residents",
      office_.compounds.size(), office_.checkpoints.size(),
      office_.staff.size(), Thousands(office_.households.size()),
      Thousands(office_.residents.size())));

  Say("[2/7] 启动节点 starting central and the community nodes");
  RETURN_IF_ERROR(StartNodes());

  Say("[3/7] 导入 loading the registry at each community (gRPC import)");
  RETURN_IF_ERROR(Load());
  ASSIGN_OR_RETURN(absl::Duration registry_sync, Converge("registry sync"));
  // Central applied every community change so far (it syncs during the
  // load too): the registry's changes.
  Say(absl::StrFormat(
      "  registry at central: %s changes synced, all nodes "
      "equal %.1f s after the load",
      Thousands(ChangesSynced()), absl::ToDoubleSeconds(registry_sync)));
  if (options_.central_work) {
    Say("  仓库 the warehouse at central: donations and procurement received, "
        "issued to the communities and enterprises");
    RETURN_IF_ERROR(options_.central_work(office_, *central_client_));
    ASSIGN_OR_RETURN(absl::Duration supplies_sync, Converge("supplies sync"));
    Say(absl::StrFormat("  supplies at every community node %.1f s later",
                        absl::ToDoubleSeconds(supplies_sync)));
  }

  Say("[4/7] 模拟 simulating the days at the checkpoints and desks");
  for (int day = 0; day < options_.days; ++day) RETURN_IF_ERROR(PlayDay(day));
  if (result_.stats.failed > 0 || result_.stats.unexpected > 0) {
    Say(
        absl::StrFormat("  %d call(s) failed, %d unexpected decision(s); "
                        "first: %s",
                        result_.stats.failed, result_.stats.unexpected,
                        result_.stats.first_error));
  }

  Say("[5/7] 恢复网络 healing the network; waiting for convergence");
  const int64_t heal_before = ChangesSynced();
  const int64_t bytes_before = WireBytes();
  std::map<std::string, int> accepted;  // proxy connections before the heal
  for (Node& node : nodes_) {
    if (!node.cut) continue;
    accepted[node.id] = node.proxy->connections_accepted();
    node.proxy->SetMode(FaultProxy::Mode::kPass);
    // The stale TCP sessions of the outage are gone on the real network too.
    node.proxy->ResetAll();
  }
  // First the cut nodes' upstream loops reconnect (their backoff grew
  // during the outage, up to 30 s), then they catch up.
  const absl::Time healed = absl::Now();
  while (absl::Now() - healed < options_.converge_timeout) {
    bool all = true;
    for (Node& node : nodes_) {
      if (!node.cut) continue;
      // A new connection through the proxy, and the session up on it.
      absl::StatusOr<pb::StatusResponse> st = node.client->Status();
      all &= node.proxy->connections_accepted() > accepted[node.id] &&
             st.ok() && st->upstream_state() == "connected";
    }
    if (all) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  result_.reconnect_seconds = absl::ToDoubleSeconds(absl::Now() - healed);
  Say(
      absl::StrFormat("  cut nodes reconnected after %.1f s (upstream "
                      "backoff)",
                      result_.reconnect_seconds));
  ASSIGN_OR_RETURN(absl::Duration heal, Converge("catch-up"));
  result_.heal_seconds = absl::ToDoubleSeconds(heal);
  result_.heal_changes = ChangesSynced() - heal_before;
  Say(
      absl::StrFormat("  caught up: %s changes in %.1f s after reconnecting, "
                      "%s wire bytes",
                      Thousands(result_.heal_changes), result_.heal_seconds,
                      Thousands(WireBytes() - bytes_before)));

  Say("[6/7] 冲突 conflicts at central");
  absl::StatusOr<pb::ConflictsResponse> conflicts =
      central_client_->Conflicts(pb::ConflictsRequest());
  if (!conflicts.ok()) return conflicts.status();
  result_.conflicts_listed = conflicts->conflicts_size();
  for (const pb::ConflictView& c : conflicts->conflicts()) {
    std::vector<std::string> values;
    for (const pb::ConflictValueView& v : c.values()) {
      values.push_back(absl::StrCat(v.value().text_value(), " @",
                                    v.dot().origin(), v.shown() ? "*" : ""));
    }
    Say(absl::StrFormat("  %s %s/%s.%s [%s]: %s", c.id().substr(0, 12),
                        c.table(), c.row_id().substr(0, 12), c.field(),
                        c.scope(), absl::StrJoin(values, " | ")));
  }
  if (options_.resolve && result_.conflicts_listed > 0) {
    const int64_t audit_start_ms = absl::ToUnixMillis(absl::Now()) - 1;
    ASSIGN_OR_RETURN(
        int resolved,
        options_.resolve(*central_client_, *conflicts,
                         [this](const std::string& line) { Say(line); }));
    result_.conflicts_resolved = resolved;
    Say(absl::StrFormat("  operator resolved %d conflict(s) at central",
                        resolved));
    RETURN_IF_ERROR(Converge("resolutions").status());
    // No conflict left on central or on any community node; the audit trail
    // holds the resolutions, at central and at the nodes holding the rows.
    std::vector<std::string> left;
    auto count_left = [&](client::Client& client, const std::string& name) {
      absl::StatusOr<pb::ConflictsResponse> c =
          client.Conflicts(pb::ConflictsRequest());
      const int n = c.ok() ? c->conflicts_size() : -1;
      if (n != 0) {
        left.push_back(absl::StrCat(name, ": ", n));
        result_.conflicts_left += n < 0 ? 1 : n;
      }
    };
    count_left(*central_client_, "central");
    for (Node& node : nodes_) count_left(*node.client, node.id);
    pb::AuditRequest audit_request;
    audit_request.set_since_ms(audit_start_ms);
    absl::StatusOr<pb::AuditResponse> audit =
        central_client_->Audit(audit_request);
    if (!audit.ok()) return audit.status();
    for (const pb::AuditEntry& e : audit->entries()) {
      if (e.action() != "resolve") continue;
      ++result_.audit_resolutions;
      Say(absl::StrFormat("  审计 audit: %s %s@%s %s -> %s (%s)", e.action(),
                          e.author(), e.node(), e.target(), e.detail(),
                          e.reason()));
    }
    int64_t audit_at_nodes = 0;
    for (Node& node : nodes_) {
      absl::StatusOr<pb::AuditResponse> a = node.client->Audit(audit_request);
      if (!a.ok()) continue;
      for (const pb::AuditEntry& e : a->entries())
        audit_at_nodes += e.action() == "resolve";
    }
    Say(absl::StrFormat(
        "  %s; %d resolution(s) in central's audit, %d at the community nodes",
        left.empty() ? "没有冲突 (no conflicts) on central or any node"
                     : absl::StrCat("冲突仍在 conflicts left: ",
                                    absl::StrJoin(left, ", ")),
        result_.audit_resolutions, audit_at_nodes));
  }

  Say("[7/7] 汇总 central's consolidated totals against the ground truth");
  // Conflicts still open at the end: those made, unless the operator
  // resolved them all.
  const bool all_resolved =
      result_.conflicts_resolved == result_.conflicts_made;
  int64_t open = 0;
  for (CommunityTruth& ct : *result_.truth.mutable_communities()) {
    const int64_t n = all_resolved ? 0 : made_in_[ct.id()];
    ct.mutable_counts()->set_conflicts(n);
    open += n;
  }
  result_.truth.mutable_total()->set_conflicts(open);
  ASSIGN_OR_RETURN(result_.central, ReadCentralCounts(*central_client_));
  result_.differences = CompareWithTruth(result_.truth, result_.central);
  {
    pb::SummaryRequest summary_request;
    summary_request.set_days(7);
    absl::StatusOr<pb::SummaryResponse> summary =
        central_client_->Summary(summary_request);
    if (!summary.ok()) return summary.status();
    pb::CompletenessRequest completeness_request;
    completeness_request.set_date(ReportDate());
    absl::StatusOr<pb::CompletenessResponse> completeness =
        central_client_->Completeness(completeness_request);
    if (!completeness.ok()) return completeness.status();
    result_.figures = SummaryFigures(result_.truth, *summary, *completeness);
    for (std::string& d : FigureDifferences(
             result_.figures, options_.communities == Reference::kCommunities &&
                                  options_.scale == 1.0))
      result_.differences.push_back(std::move(d));
  }
  if (result_.conflicts_left > 0) {
    result_.differences.push_back(absl::StrCat(
        "conflicts left after the resolutions: ", result_.conflicts_left));
  }
  if (result_.audit_resolutions != result_.conflicts_resolved) {
    result_.differences.push_back(absl::StrCat(
        "audit: ", result_.audit_resolutions, " resolve entries for ",
        result_.conflicts_resolved, " resolutions"));
  }
  result_.changes_synced = ChangesSynced();
  result_.wire_bytes = WireBytes();
  result_.seconds = absl::ToDoubleSeconds(absl::Now() - start_);

  std::string& report = result_.report;
  absl::StrAppend(&report, FormatTotals(result_.truth, result_.central));
  absl::StrAppend(&report,
                  "\n中心汇总 central's consolidated summary "
                  "(Consolidation.Summary, `outpost summary`):\n",
                  FormatFigures(result_.figures));
  absl::StrAppend(
      &report, "\n同步 sync: ", Thousands(result_.changes_synced),
      " community changes synced to central, ", Thousands(result_.wire_bytes),
      " wire bytes through the proxies (sync and verify); after the cut: ",
      Thousands(result_.heal_changes), " changes caught up in ",
      absl::StrFormat("%.1f", result_.heal_seconds),
      absl::StrFormat(" s once reconnected (%.1f s after the heal)\n",
                      result_.reconnect_seconds));
  absl::StrAppend(&report, "冲突 conflicts: ", result_.conflicts_made,
                  " made, ", result_.conflicts_listed, " listed at central, ",
                  result_.conflicts_resolved,
                  " resolved by an operator (Operator.ConflictResolve), ",
                  result_.audit_resolutions, " in the audit, ",
                  result_.conflicts_left, " left on any node\n");
  absl::StrAppend(&report, "调用 calls: ", Thousands(result_.stats.calls), " (",
                  result_.stats.failed, " failed, ", result_.stats.unexpected,
                  " unexpected decisions)\n");
  absl::StrAppend(
      &report, "日报 daily reports: ", result_.truth.total().daily_reports(),
      " submitted (one per community and day; filed for the date the "
      "passages carry, ",
      ReportDate(), ", so the simulated days share one row per community), ",
      result_.truth.total().zero_reports(),
      " of them zero reports (a day without activity)\n");
  absl::StrAppend(
      &report,
      result_.differences.empty()
          ? "\n一致 central equals the ground truth\n"
          : absl::StrCat("\n不一致 central differs from the "
                         "ground truth:\n  ",
                         absl::StrJoin(result_.differences, "\n  "), "\n"));
  // Stop: the community nodes first, then central.
  for (Node& node : nodes_) node.process->Stop();
  central_->Stop();
  std::string json;
  google::protobuf::util::JsonPrintOptions json_options;
  json_options.add_whitespace = true;
  json_options.preserve_proto_field_names = true;
  json_options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(result_.truth, &json,
                                                    json_options);
  std::ofstream(options_.dir + "/truth.json") << json;
  GroundTruth central;  // the same message, filled from central's counts
  central.set_seed(result_.truth.seed());
  central.set_scale(result_.truth.scale());
  central.set_days(result_.truth.days());
  for (const auto& [id, counts] : result_.central) {
    CommunityTruth* ct = central.add_communities();
    ct->set_id(id);
    *ct->mutable_counts() = counts;
    AddCounts(counts, central.mutable_total());
  }
  json.clear();
  (void)google::protobuf::util::MessageToJsonString(central, &json,
                                                    json_options);
  std::ofstream(options_.dir + "/central.json") << json;
  return std::move(result_);
}

}  // namespace

absl::StatusOr<DemoResult> RunDemo(const DemoOptions& options) {
  Demo demo(options);
  return demo.Run();
}

}  // namespace outpost::scenario
