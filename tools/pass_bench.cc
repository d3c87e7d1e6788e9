// pass_bench: checkpoint passages/s through gRPC against one real node, with
// N concurrent clients (each its own connection), each answered only once its
// passage is durable; p50/p99 latency. [target: >= 15k/s, p99 <= 5 ms with 8]
//
//   build/tools/pass_bench --clients=8 --seconds=10
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "outpost/v1/community.grpc.pb.h"
#include "server/id_card.h"
#include "tools/testbed/node_process.h"

ABSL_FLAG(int, clients, 8, "concurrent clients");
ABSL_FLAG(int, seconds, 10, "how long to run");
ABSL_FLAG(int, residents, 2000, "registered residents passing");
ABSL_FLAG(bool, sync_full, true, "the node fsyncs every commit");
ABSL_FLAG(int, window, 4,
          "PassStream: passages a terminal sends ahead of their answers");
ABSL_FLAG(bool, only_stream, false,
          "run only the PassStream phase at --window (for profiling the node)");
ABSL_FLAG(
    bool, baseline, true,
    "also measure ListCompounds (a small read) with the same clients: the "
    "gRPC ceiling of this machine, to compare with in the same run");

namespace pb = outpost::v1;

namespace {

std::string IdNumber(int i) {
  const absl::CivilDay born = absl::CivilDay(1960, 1, 1) + i / 1000;
  const std::string first17 =
      absl::StrFormat("420102%04d%02d%02d%03d", born.year(), born.month(),
                      born.day(), i % 1000);
  return first17 + outpost::server::IdCheckCharacter(first17);
}

// One connection per client (ChannelWithToken uses a local subchannel
// pool), with the node's admin token.
std::unique_ptr<pb::Community::Stub> Stub(
    const outpost::testing::NodeProcess& node) {
  return pb::Community::NewStub(node.ChannelWithToken(node.admin_token()));
}

void Check(const grpc::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "pass_bench: %s: %s\n", what,
                 s.error_message().c_str());
    std::exit(1);
  }
}

pb::PassRequest Passage(int i, int residents) {
  pb::PassRequest r;
  r.set_checkpoint("cp1");
  r.set_id_number(IdNumber(i % residents));
  r.set_direction(i % 2 ? "in" : "out");
  r.set_temp(36.0 + (i % 12) / 10.0);
  r.set_staff("duty");
  return r;
}

// A checkpoint terminal on one PassStream: keeps `window` passages in flight
// until `end`, recording each one's latency from send to durable answer.
class Terminal
    : public grpc::ClientBidiReactor<pb::PassRequest, pb::PassResponse> {
 public:
  Terminal(std::unique_ptr<pb::Community::Stub> stub, int first, int step,
           int window, absl::Time end, int residents)
      : stub_(std::move(stub)),
        next_(first),
        step_(step),
        window_(window),
        end_(end),
        residents_(residents) {}

  void Start() {
    context_.set_wait_for_ready(true);
    stub_->async()->PassStream(&context_, this);
    absl::MutexLock lock(&mu_);
    for (int i = 0; i < window_; ++i) Enqueue();
    StartRead(&response_);
    StartCall();
    Pump();
  }
  grpc::Status Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
    return status_;
  }
  const std::vector<double>& latencies() const { return latencies_; }
  int64_t errors() const { return errors_; }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) return;  // the call ended: OnDone reports it
    Pump();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    latencies_.push_back(absl::ToDoubleMilliseconds(now - sent_.front()));
    sent_.pop_front();
    if (!response_.error().empty() && errors_++ == 0) {
      std::fprintf(stderr, "stream: first error: %s\n",
                   response_.error().c_str());
    }
    if (now < end_) Enqueue();
    StartRead(&response_);
    Pump();
  }
  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    status_ = status;
    done_ = true;
  }

 private:
  void Enqueue() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    queued_.push_back(Passage(next_, residents_));
    next_ += step_;
    sent_.push_back(absl::Now());
  }
  // One write at a time; the end of sending once all are answered.
  void Pump() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_) return;
    if (!queued_.empty()) {
      request_ = std::move(queued_.front());
      queued_.pop_front();
      writing_ = true;
      StartWrite(&request_);
    } else if (sent_.empty() && !writes_done_) {
      writes_done_ = true;
      StartWritesDone();
    }
  }

  std::unique_ptr<pb::Community::Stub> stub_;
  grpc::ClientContext context_;
  pb::PassRequest request_;
  pb::PassResponse response_;
  int next_;
  const int step_;
  const int window_;
  const absl::Time end_;
  const int residents_;
  absl::Mutex mu_;
  std::deque<pb::PassRequest> queued_ ABSL_GUARDED_BY(mu_);
  std::deque<absl::Time> sent_ ABSL_GUARDED_BY(mu_);  // unanswered, in order
  std::vector<double> latencies_;
  int64_t errors_ = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool writes_done_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::string templ = "/tmp/outpost-pass-XXXXXX";
  const std::string dir = mkdtemp(templ.data());
  outpost::testing::NodeSpec spec{
      "yatai",
      "community",
      dir,
      "127.0.0.1:1",
      "127.0.0.1:0",
      {"--log_level=error",
       absl::StrCat("--sync_full=",
                    absl::GetFlag(FLAGS_sync_full) ? "true" : "false")}};
  auto node = outpost::testing::NodeProcess::Start(spec);
  if (!node.ok()) return 1;
  const std::string address = (*node)->address();
  auto setup = Stub(**node);
  {
    grpc::ClientContext c1, c2, c3;
    pb::IdResponse id;
    pb::AddCompoundRequest compound;
    compound.mutable_compound()->set_id("c1");
    compound.mutable_compound()->set_community("yatai");
    compound.mutable_compound()->set_name("亚泰小区");
    Check(setup->AddCompound(&c1, compound, &id), "AddCompound");
    pb::AddCheckpointRequest checkpoint;
    checkpoint.mutable_checkpoint()->set_id("cp1");
    checkpoint.mutable_checkpoint()->set_compound("c1");
    checkpoint.mutable_checkpoint()->set_name("北门");
    Check(setup->AddCheckpoint(&c2, checkpoint, &id), "AddCheckpoint");
    std::string csv = "community,compound,building,unit,room,name,id_number\n";
    for (int i = 0; i < absl::GetFlag(FLAGS_residents); ++i) {
      absl::StrAppend(&csv, "yatai,c1,", i % 20, ",1,", i, ",张伟,",
                      IdNumber(i), "\n");
    }
    pb::ImportResult result;
    auto writer = setup->ImportResidents(&c3, &result);
    pb::ImportChunk chunk;
    chunk.set_data(csv);
    writer->Write(chunk);
    writer->WritesDone();
    Check(writer->Finish(), "ImportResidents");
  }
  const int clients = absl::GetFlag(FLAGS_clients);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  // The node's CPU time (user + system) in seconds, from /proc.
  auto node_cpu = [&]() {
    std::ifstream in(absl::StrCat("/proc/", (*node)->pid(), "/stat"));
    std::string stat((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    std::vector<std::string> fields =
        absl::StrSplit(stat.substr(stat.rfind(')') + 2), ' ');
    return (std::stod(fields[11]) + std::stod(fields[12])) /
           sysconf(_SC_CLK_TCK);
  };
  // Runs `call(stub, i)` from every client for `seconds`; prints the rate,
  // latency and the node's CPU per call.
  auto run =
      [&](const char* what,
          const std::function<grpc::Status(pb::Community::Stub&, int)>& call) {
        const double cpu_before = node_cpu();
        const absl::Time end = absl::Now() + absl::Seconds(seconds);
        std::vector<std::vector<double>> latencies(clients);
        std::atomic<int64_t> errors{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < clients; ++t) {
          threads.emplace_back([&, t] {
            auto stub = Stub(**node);
            for (int i = t; absl::Now() < end; i += clients) {
              const absl::Time start = absl::Now();
              grpc::Status status = call(*stub, i);
              if (!status.ok() && errors++ == 0) {
                std::fprintf(stderr, "%s: first error: %s\n", what,
                             status.error_message().c_str());
              }
              latencies[t].push_back(
                  absl::ToDoubleMilliseconds(absl::Now() - start));
            }
          });
        }
        for (auto& th : threads) th.join();
        std::vector<double> all;
        for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
        std::sort(all.begin(), all.end());
        const double node_us =
            (node_cpu() - cpu_before) * 1e6 / std::max<size_t>(1, all.size());
        std::printf(
            "%-9s %d clients: %6.0f calls/s, p50 %.2f ms, p99 %.2f ms, max "
            "%.1f ms, node CPU %.0f us/call (%zu calls, %lld errors)\n",
            what, clients, all.size() / seconds, all[all.size() / 2],
            all[all.size() * 99 / 100], all.back(), node_us, all.size(),
            static_cast<long long>(errors.load()));
      };
  const int residents = absl::GetFlag(FLAGS_residents);
  const bool only_stream = absl::GetFlag(FLAGS_only_stream);
  if (!only_stream)
    run("pass", [&](pb::Community::Stub& stub, int i) {
      pb::PassRequest r;
      r.set_checkpoint("cp1");
      r.set_id_number(IdNumber(i % residents));
      r.set_direction(i % 2 ? "in" : "out");
      r.set_temp(36.0 + (i % 12) / 10.0);
      r.set_staff("duty");
      grpc::ClientContext context;
      // A connection storm of many clients may need a retry to connect.
      context.set_wait_for_ready(true);
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(5));
      pb::PassResponse response;
      return stub.Pass(&context, r, &response);
    });
  // Each client keeps one PassStream open (a terminal's stream) with up to
  // `window` passages awaiting their answer. The terminals use gRPC's
  // callback API, so the load generator spends little of the machine's CPU.
  auto run_stream = [&](int window) {
    const double cpu_before = node_cpu();
    const absl::Time end = absl::Now() + absl::Seconds(seconds);
    std::vector<std::unique_ptr<Terminal>> terminals;
    for (int t = 0; t < clients; ++t) {
      terminals.push_back(std::make_unique<Terminal>(Stub(**node), t, clients,
                                                     window, end, residents));
    }
    for (auto& terminal : terminals) terminal->Start();
    std::vector<double> all;
    int64_t errors = 0;
    for (auto& terminal : terminals) {
      Check(terminal->Wait(), "PassStream");
      all.insert(all.end(), terminal->latencies().begin(),
                 terminal->latencies().end());
      errors += terminal->errors();
    }
    std::sort(all.begin(), all.end());
    const double node_us =
        (node_cpu() - cpu_before) * 1e6 / std::max<size_t>(1, all.size());
    std::printf(
        "stream    %d clients, window %d: %6.0f passages/s, p50 %.2f ms, p99 "
        "%.2f ms, max %.1f ms, node CPU %.0f us/passage (%zu passages, %lld "
        "errors)\n",
        clients, window, all.size() / seconds, all[all.size() / 2],
        all[all.size() * 99 / 100], all.back(), node_us, all.size(),
        static_cast<long long>(errors));
  };
  if (!only_stream) run_stream(1);
  run_stream(absl::GetFlag(FLAGS_window));
  if (!only_stream && absl::GetFlag(FLAGS_baseline)) {
    run("baseline", [&](pb::Community::Stub& stub, int) {
      pb::ListCompoundsRequest r;
      grpc::ClientContext context;
      // A connection storm of many clients may need a retry to connect.
      context.set_wait_for_ready(true);
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(5));
      pb::ListCompoundsResponse response;
      return stub.ListCompounds(&context, r, &response);
    });
  }
  const int code = (*node)->Stop();
  if (code != 0) {
    std::fprintf(stderr,
                 "pass_bench: the node exited with %d; its log: %s/yatai.log\n",
                 code, dir.c_str());
    return 1;
  }
  std::system(absl::StrCat("rm -rf ", dir).c_str());
  return 0;
}
