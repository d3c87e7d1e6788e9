// catchup_bench: end-to-end sync figures with real outpostd processes on
// loopback (issue targets in brackets):
//   - catch-up of N changes community -> central: changes/s [>= 100k/s],
//     bytes on the wire per change, zlib-packed batches [<= 80 per passage];
//   - peak RSS of both nodes (VmHWM) [bounded by batch size, not backlog];
//   - live latency, a write at the community -> visible at central, p50/p99
//     [p99 <= 250 ms].
// The wire is measured by a loopback TCP proxy between the two nodes.
//
//   - the same with mTLS between the nodes (--tls=both, the default), and
//     the ratio [<= 1.20x].
//
//   build/tools/catchup_bench --changes=1000000 --latency_samples=200
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "sync/version_vector.h"
#include "tools/testbed/fault_proxy.h"
#include "tools/testbed/node_process.h"

ABSL_FLAG(int, changes, 1000000,
          "passages written at the community before catch-up");
ABSL_FLAG(int, latency_samples, 200, "live latency samples");
ABSL_FLAG(std::string, dir, "",
          "work folder (default: a new temp folder, removed after)");
ABSL_FLAG(bool, sync_full, true, "nodes fsync every commit");
ABSL_FLAG(std::string, tls, "both",
          "off, on, or both (plaintext then mTLS in the same run, with the "
          "ratio)");
ABSL_FLAG(std::string, node_log_level, "warning", "the nodes' --log_level");

namespace outpost::tools {
namespace {

using testing::FaultProxy;
using testing::NodeProcess;
using testing::NodeSpec;

int64_t PeakRssKb(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

// Changes `node` wrote, over all its replicas, that `vv` has seen.
uint64_t VvGet(const outpost::v1::VersionVector& vv, const std::string& node) {
  return sync::VersionVector::FromProto(vv).NodeTotal(node);
}

void Die(const std::string& what) {
  std::fprintf(stderr, "catchup_bench: %s\n", what.c_str());
  std::exit(1);
}

grpc::Status Put(NodeProcess& node, int first, int count) {
  outpost::v1::PutManyRequest request;
  for (int i = first; i < first + count; ++i) {
    auto* put = request.add_puts();
    put->set_table("passages");
    // Time-ordered ids, as the domain layer will use.
    put->set_row_id(absl::StrCat("p", 100000000 + i));
    put->set_scope("yatai");
    (*put->mutable_fields())["checkpoint"].set_text_value(
        absl::StrCat("cp", i % 85));
    (*put->mutable_fields())["resident"].set_text_value(
        absl::StrCat("r", (i * 7919) % 161771));
    (*put->mutable_fields())["temp"].set_real_value(36.0 + (i % 13) / 10.0);
    (*put->mutable_fields())["direction"].set_text_value(i % 2 ? "in" : "out");
    (*put->mutable_fields())["decision"].set_text_value("ALLOW");
    (*put->mutable_fields())["at_ms"].set_int_value(1580000000000 + i * 500LL);
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(120));
  outpost::v1::PutManyResponse response;
  return node.admin().PutMany(&context, request, &response);
}

// One measurement in `dir`; with `tls`, both nodes use mTLS with
// certificates from tools/pki.sh. Returns the catch-up seconds.
double RunOnce(const std::string& dir, bool tls) {
  const int n = absl::GetFlag(FLAGS_changes);
  std::printf("== %s ==\n", tls ? "mTLS" : "plaintext (loopback)");
  std::vector<std::string> extra = {
      absl::StrCat("--sync_full=",
                   absl::GetFlag(FLAGS_sync_full) ? "true" : "false"),
      "--log_level=" + absl::GetFlag(FLAGS_node_log_level)};
  std::vector<std::string> central_extra = extra;
  std::vector<std::string> community_extra = extra;
  if (tls) {
    const std::string pki = dir + "/pki";
    for (const char* args : {"ca", "node central", "node yatai"}) {
      if (std::system(
              absl::StrCat(OUTPOST_PKI_SH, " ", pki, " ", args, " >/dev/null")
                  .c_str()) != 0)
        Die("tools/pki.sh failed");
    }
    for (auto [id, flags] :
         {std::pair{"central", &central_extra}, {"yatai", &community_extra}}) {
      flags->push_back(absl::StrCat("--tls_cert=", pki, "/", id, ".pem"));
      flags->push_back(absl::StrCat("--tls_key=", pki, "/", id, ".key"));
      flags->push_back(absl::StrCat("--tls_ca=", pki, "/ca.pem"));
    }
  }
  NodeSpec central_spec{"central", "central",     dir,
                        "",        "127.0.0.1:0", central_extra};
  auto central = NodeProcess::Start(central_spec);
  if (!central.ok()) Die(central.status().ToString());
  auto proxy = FaultProxy::Start("127.0.0.1", (*central)->port());
  if (!proxy.ok()) Die(proxy.status().ToString());
  (*proxy)->SetMode(FaultProxy::Mode::kReset);  // central unreachable for now
  NodeSpec community_spec{
      "yatai",       "community",
      dir,           absl::StrCat("127.0.0.1:", (*proxy)->port()),
      "127.0.0.1:0", community_extra};
  auto community = NodeProcess::Start(community_spec);
  if (!community.ok()) Die(community.status().ToString());

  std::printf("writing %d passages at the community (central unreachable)...\n",
              n);
  std::fflush(stdout);
  const absl::Time w0 = absl::Now();
  for (int i = 0; i < n; i += 5000) {
    grpc::Status s = Put(**community, i, std::min(5000, n - i));
    if (!s.ok()) Die("PutMany: " + s.error_message());
  }
  const double write_s = absl::ToDoubleSeconds(absl::Now() - w0);
  std::printf(
      "  local writes: %.0f changes/s (PutMany of 5000, one transaction "
      "each)\n",
      n / write_s);

  const int64_t bytes_before = (*proxy)->bytes_forwarded();
  (*proxy)->SetMode(FaultProxy::Mode::kPass);
  // The clock starts when the community's upstream loop (in backoff after
  // the refused connections) is connected again.
  while (true) {
    auto s = (*community)->Status();
    if (s.ok() && s->upstream_state() == "connected") break;
    absl::SleepFor(absl::Milliseconds(2));
  }
  const absl::Time t0 = absl::Now();
  uint64_t at_central = 0;
  absl::Time last_report = t0;
  while (at_central < static_cast<uint64_t>(n)) {
    absl::SleepFor(absl::Milliseconds(20));
    auto s = (*central)->Status();
    if (s.ok()) at_central = VvGet(s->vv(), "yatai");
    if (absl::Now() - last_report > absl::Seconds(2)) {
      std::printf("  catch-up: %llu / %d\n",
                  static_cast<unsigned long long>(at_central), n);
      std::fflush(stdout);
      last_report = absl::Now();
    }
    if (absl::Now() - t0 > absl::Minutes(10))
      Die("catch-up did not finish in 10 minutes");
  }
  const double catchup_s = absl::ToDoubleSeconds(absl::Now() - t0);
  const int64_t wire = (*proxy)->bytes_forwarded() - bytes_before;
  std::printf(
      "catch-up of %d changes: %.2f s = %.0f changes/s; wire %.1f bytes/change "
      "(zlib level 1)\n",
      n, catchup_s, n / catchup_s, static_cast<double>(wire) / n);
  std::printf("peak RSS: community %lld KiB, central %lld KiB\n",
              static_cast<long long>(PeakRssKb((*community)->pid())),
              static_cast<long long>(PeakRssKb((*central)->pid())));

  // Live latency: one write at a time, polled at central every 1 ms.
  const int samples = absl::GetFlag(FLAGS_latency_samples);
  std::vector<double> latencies_ms;
  for (int i = 0; i < samples; ++i) {
    const int id = n + i;
    const absl::Time start = absl::Now();
    grpc::Status s = Put(**community, id, 1);
    if (!s.ok()) Die("Put: " + s.error_message());
    while (true) {
      auto st = (*central)->Status();
      if (st.ok() && VvGet(st->vv(), "yatai") >= static_cast<uint64_t>(id + 1))
        break;
      if (absl::Now() - start > absl::Seconds(10))
        Die("live write did not arrive in 10 s");
      absl::SleepFor(absl::Milliseconds(1));
    }
    latencies_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  if (!latencies_ms.empty()) {
    std::printf(
        "live latency (write at community -> at central), %d samples: p50 %.1f "
        "ms, "
        "p99 %.1f ms, max %.1f ms\n",
        samples, latencies_ms[latencies_ms.size() / 2],
        latencies_ms[std::min(latencies_ms.size() - 1,
                              latencies_ms.size() * 99 / 100)],
        latencies_ms.back());
  }
  (*community)->Stop();
  (*central)->Stop();
  return catchup_s;
}

int Run() {
  std::string dir = absl::GetFlag(FLAGS_dir);
  const bool temp_dir = dir.empty();
  if (temp_dir) {
    std::string templ = "/tmp/outpost-bench-XXXXXX";
    dir = mkdtemp(templ.data());
  }
  const std::string mode = absl::GetFlag(FLAGS_tls);
  double plain_s = 0, tls_s = 0;
  if (mode != "on") {
    std::filesystem::create_directories(dir + "/plain");
    plain_s = RunOnce(dir + "/plain", false);
  }
  if (mode != "off") {
    std::filesystem::create_directories(dir + "/tls");
    tls_s = RunOnce(dir + "/tls", true);
  }
  if (plain_s > 0 && tls_s > 0) {
    std::printf(
        "catch-up mTLS vs plaintext: %.2f s vs %.2f s = %.2fx "
        "(target <= 1.20x)\n",
        tls_s, plain_s, tls_s / plain_s);
  }
  if (temp_dir) std::system(absl::StrCat("rm -rf ", dir).c_str());
  return 0;
}

}  // namespace
}  // namespace outpost::tools

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return outpost::tools::Run();
}
