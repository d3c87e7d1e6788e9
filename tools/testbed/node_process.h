// NodeProcess: a real outpostd child process for end-to-end tests, on
// 127.0.0.1 with port 0, its database and log in the test's folder. The
// destructor kills what is still running, so no test leaves a process behind.
#ifndef OUTPOST_TOOLS_TESTBED_NODE_PROCESS_H_
#define OUTPOST_TOOLS_TESTBED_NODE_PROCESS_H_

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "outpost/v1/node.grpc.pb.h"

namespace outpost::testing {

struct NodeSpec {
  std::string node_id;
  std::string role = "community";
  std::string dir;  // database, port file and log go here
  std::string upstream;
  std::string listen = "127.0.0.1:0";
  std::vector<std::string> extra_flags;
};

class NodeProcess {
 public:
  // Starts outpostd and waits (up to 15 s) until it is listening.
  static absl::StatusOr<std::unique_ptr<NodeProcess>> Start(
      const NodeSpec& spec);
  ~NodeProcess();

  // SIGTERM and wait; returns the exit code (or -signal).
  int Stop();
  // SIGKILL and reap: a crash.
  void Kill();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& address() const { return address_; }
  int port() const;
  const NodeSpec& spec() const { return spec_; }
  // The last lines of the node's stderr, for failure messages.
  std::string LogTail(int lines = 30) const;

  // The node's first admin token (read from <dir>/<node_id>.db.admin.token
  // when the node starts); admin() and channel() send it on every call.
  const std::string& admin_token() const { return admin_token_; }
  // A channel to the node sending `token` (TLS against the node's --tls_ca
  // when it has one).
  std::shared_ptr<grpc::Channel> ChannelWithToken(
      const std::string& token) const;
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // The admin token of the node started at `address` by this process (for
  // tests that run the CLI with an address); empty if none.
  static std::string AdminTokenFor(const std::string& address);

  outpost::v1::Admin::Stub& admin() { return *admin_; }
  // Admin.Status with a 5 s deadline.
  absl::StatusOr<outpost::v1::StatusResponse> Status();

 private:
  NodeProcess() = default;
  NodeSpec spec_;
  pid_t pid_ = -1;
  std::string address_;
  std::string log_path_;
  std::string admin_token_;
  std::string tls_ca_pem_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<outpost::v1::Admin::Stub> admin_;
};

// Runs outpostd to completion with `flags`; returns (exit code, stderr).
std::pair<int, std::string> RunOutpostd(const std::vector<std::string>& flags,
                                        const std::string& dir);

}  // namespace outpost::testing

#endif  // OUTPOST_TOOLS_TESTBED_NODE_PROCESS_H_
