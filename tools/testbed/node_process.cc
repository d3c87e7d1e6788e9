#include "tools/testbed/node_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "server/grpc_status.h"

#ifndef OUTPOSTD_PATH
#error "OUTPOSTD_PATH must name the outpostd binary"
#endif

namespace outpost::testing {
namespace {

pid_t Spawn(const std::vector<std::string>& flags,
            const std::string& log_path) {
  std::vector<std::string> args = {OUTPOSTD_PATH};
  args.insert(args.end(), flags.begin(), flags.end());
  pid_t pid = fork();
  if (pid == 0) {
    // The node dies with its parent: a test or tool that crashes or exits
    // early never leaves a node behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDERR_FILENO);
      dup2(fd, STDOUT_FILENO);
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int WaitExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<NodeProcess>> NodeProcess::Start(
    const NodeSpec& spec) {
  std::unique_ptr<NodeProcess> node(new NodeProcess());
  node->spec_ = spec;
  node->log_path_ = absl::StrCat(spec.dir, "/", spec.node_id, ".log");
  const std::string port_file =
      absl::StrCat(spec.dir, "/", spec.node_id, ".port");
  unlink(port_file.c_str());
  std::vector<std::string> flags = {
      "--node_id=" + spec.node_id, "--role=" + spec.role,
      absl::StrCat("--db=", spec.dir, "/", spec.node_id, ".db"),
      "--listen=" + spec.listen, "--port_file=" + port_file};
  if (!spec.upstream.empty()) flags.push_back("--upstream=" + spec.upstream);
  flags.insert(flags.end(), spec.extra_flags.begin(), spec.extra_flags.end());
  node->pid_ = Spawn(flags, node->log_path_);
  if (node->pid_ < 0) return absl::InternalError("fork failed");
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(node->pid_, &status, WNOHANG) == node->pid_) {
      node->pid_ = -1;
      return absl::FailedPreconditionError(absl::StrCat(
          "outpostd ", spec.node_id, " exited at start: ", node->LogTail(5)));
    }
    std::string content = ReadFile(port_file);
    if (!content.empty() && content.back() == '\n') {
      node->address_ = std::string(absl::StripAsciiWhitespace(content));
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      node->admin_ = outpost::v1::Admin::NewStub(grpc::CreateCustomChannel(
          node->address_, grpc::InsecureChannelCredentials(), args));
      return node;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  node->Kill();
  return absl::DeadlineExceededError(absl::StrCat(
      "outpostd ", spec.node_id, " did not start: ", node->LogTail(5)));
}

NodeProcess::~NodeProcess() {
  if (pid_ > 0) Kill();
}

int NodeProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  const int code = WaitExit(pid_);
  pid_ = -1;
  return code;
}

void NodeProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  WaitExit(pid_);
  pid_ = -1;
}

int NodeProcess::port() const {
  int port = 0;
  (void)absl::SimpleAtoi(address_.substr(address_.rfind(':') + 1), &port);
  return port;
}

std::string NodeProcess::LogTail(int lines) const {
  std::vector<std::string> all = absl::StrSplit(ReadFile(log_path_), '\n');
  const int start = std::max(0, static_cast<int>(all.size()) - lines);
  std::string out;
  for (int i = start; i < static_cast<int>(all.size()); ++i)
    absl::StrAppend(&out, all[i], "\n");
  return out;
}

absl::StatusOr<outpost::v1::StatusResponse> NodeProcess::Status() {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  outpost::v1::StatusResponse response;
  grpc::Status status =
      admin_->Status(&context, outpost::v1::StatusRequest(), &response);
  if (!status.ok()) return server::FromGrpcStatus(status);
  return response;
}

std::pair<int, std::string> RunOutpostd(const std::vector<std::string>& flags,
                                        const std::string& dir) {
  const std::string log = dir + "/run.log";
  unlink(log.c_str());
  pid_t pid = Spawn(flags, log);
  // Bound the wait: a node that unexpectedly starts is stopped after 10 s.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return {-9, ReadFile(log)};
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return {code, ReadFile(log)};
}

}  // namespace outpost::testing
