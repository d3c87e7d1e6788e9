#include "tools/testbed/node_process.h"

#include <fcntl.h>
#include <grpcpp/support/client_interceptor.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
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

// Adds `authorization: Bearer <token>` to every call.
class TokenInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit TokenInterceptor(const std::string& token) : token_(token) {}
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert(
          {"authorization", "Bearer " + token_});
    }
    methods->Proceed();
  }

 private:
  const std::string token_;
};

class TokenInterceptorFactory
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit TokenInterceptorFactory(std::string token)
      : token_(std::move(token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new TokenInterceptor(token_);
  }

 private:
  const std::string token_;
};

absl::Mutex& TokenRegistryMu() {
  static auto* mu = new absl::Mutex();
  return *mu;
}
std::map<std::string, std::string>& TokenRegistry() {
  static auto* registry = new std::map<std::string, std::string>();
  return *registry;
}

}  // namespace

std::string NodeProcess::AdminTokenFor(const std::string& address) {
  absl::MutexLock lock(&TokenRegistryMu());
  auto it = TokenRegistry().find(address);
  return it == TokenRegistry().end() ? "" : it->second;
}

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
      node->admin_token_ = std::string(absl::StripAsciiWhitespace(ReadFile(
          absl::StrCat(spec.dir, "/", spec.node_id, ".db.admin.token"))));
      for (const std::string& flag : spec.extra_flags) {
        if (absl::StartsWith(flag, "--tls_ca="))
          node->tls_ca_pem_ = ReadFile(flag.substr(strlen("--tls_ca=")));
      }
      node->channel_ = node->ChannelWithToken(node->admin_token_);
      {
        absl::MutexLock lock(&TokenRegistryMu());
        TokenRegistry()[node->address_] = node->admin_token_;
      }
      node->admin_ = outpost::v1::Admin::NewStub(node->channel_);
      return node;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  node->Kill();
  return absl::DeadlineExceededError(absl::StrCat(
      "outpostd ", spec.node_id, " did not start: ", node->LogTail(5)));
}

std::shared_ptr<grpc::Channel> NodeProcess::ChannelWithToken(
    const std::string& token) const {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (!tls_ca_pem_.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = tls_ca_pem_;
    credentials = grpc::SslCredentials(ssl);
  }
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  if (!token.empty())
    interceptors.push_back(std::make_unique<TokenInterceptorFactory>(token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address_, credentials, args, std::move(interceptors));
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
