#include "server/node.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/consolidation_rules.h"
#include "server/schema.h"
#include "sync/logging.h"
#include "sync/status_macros.h"

namespace outpost::server {
namespace {

bool IsLoopback(const std::string& address) {
  return absl::StartsWith(address, "127.") ||
         absl::StartsWith(address, "localhost:") ||
         absl::StartsWith(address, "[::1]:");
}

absl::Status WritePortFile(const std::string& path,
                           const std::string& content) {
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("--port_file: cannot write ", tmp));
  }
  std::fputs(content.c_str(), f);
  std::fputc('\n', f);
  std::fclose(f);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    return absl::PermissionDeniedError(
        absl::StrCat("--port_file: ", ec.message()));
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateNodeOptions(const NodeOptions& options) {
  if (options.node_id.empty())
    return absl::InvalidArgumentError("--node_id is required");
  if (options.role != "central" && options.role != "community") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--role must be central or community, not \"", options.role, "\""));
  }
  if (options.db_path.empty())
    return absl::InvalidArgumentError("--db is required");
  std::vector<std::string> hostport =
      absl::StrSplit(options.listen, absl::MaxSplits(':', 1));
  if (options.listen.rfind(':') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen must be HOST:PORT, not \"", options.listen, "\""));
  }
  if (options.role == "community" && options.upstream.empty()) {
    return absl::InvalidArgumentError(
        "--upstream is required for a community node");
  }
  if (options.role == "central" && !options.upstream.empty()) {
    return absl::InvalidArgumentError("--upstream is for community nodes only");
  }
  if (!options.upstream.empty() &&
      options.upstream.rfind(':') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--upstream must be HOST:PORT, not \"", options.upstream, "\""));
  }
  if (!ReportDeadline("2020-01-01", options.report_deadline,
                      absl::UTCTimeZone())
           .ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--report_deadline must be HH:MM, not \"",
                     options.report_deadline, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Node>> Node::Start(const NodeOptions& options) {
  RETURN_IF_ERROR(ValidateNodeOptions(options));
  std::unique_ptr<Node> node(new Node());
  node->options_ = options;

  sync::StoreOptions store_options;
  store_options.path = options.db_path;
  store_options.node_id = options.node_id;
  store_options.schema = OutpostSchema();
  store_options.synchronous_full = options.synchronous_full;
  if (!options.scopes.empty()) {
    store_options.scopes = sync::ScopeSet::Of(options.scopes);
  } else {
    store_options.scopes = options.role == "central"
                               ? sync::ScopeSet::All()
                               : sync::ScopeSet::Of({options.node_id});
  }
  {
    // A database path in a missing or unwritable folder fails clearly.
    const std::filesystem::path dir =
        std::filesystem::absolute(options.db_path).parent_path();
    if (!std::filesystem::is_directory(dir) ||
        ::access(dir.c_str(), W_OK) != 0) {
      return absl::PermissionDeniedError(absl::StrCat(
          "--db: folder ", dir.string(), " is missing or not writable"));
    }
  }
  absl::StatusOr<std::unique_ptr<sync::Store>> store =
      sync::Store::Open(store_options);
  if (!store.ok()) {
    return absl::Status(
        store.status().code(),
        absl::StrCat("--db=", options.db_path, ": ", store.status().message()));
  }
  node->store_ = *std::move(store);

  if (options.role == "community") {
    node->upstream_ = std::make_unique<Upstream>(
        node->store_.get(), options.upstream, &node->peers_);
  }
  node->replication_ = std::make_unique<ReplicationService>(
      node->store_.get(), options.role, &node->peers_);
  node->admin_ = std::make_unique<AdminService>(
      node->store_.get(), options.role, &node->peers_, node->upstream_.get());

  node->community_ =
      std::make_unique<CommunityService>(node->store_.get(), options.id_key);
  node->operator_ = std::make_unique<OperatorService>(node->store_.get(),
                                                      node->upstream_.get());
  node->consolidation_ = std::make_unique<ConsolidationService>(
      node->store_.get(), options.role, options.report_deadline);

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &node->port_);
  builder.RegisterService(node->replication_.get());
  builder.RegisterService(node->admin_.get());
  builder.RegisterService(node->community_.get());
  builder.RegisterService(node->operator_.get());
  builder.RegisterService(node->consolidation_.get());
  builder.SetMaxReceiveMessageSize(8 << 20);
  // gRPC sets SO_REUSEPORT by default: two nodes could share a port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  node->server_ = builder.BuildAndStart();
  if (node->server_ == nullptr || node->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("--listen=", options.listen,
                     ": cannot listen (port in use or bad address)"));
  }
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  const std::string bound = absl::StrCat(host, ":", node->port_);
  if (IsLoopback(options.listen)) {
    OUTPOST_LOG(INFO) << "plaintext on loopback " << bound
                      << " (development mode)";
  } else {
    OUTPOST_LOG(WARNING) << "plaintext on " << bound
                         << ": TLS comes with the security issue";
  }
  if (!options.port_file.empty())
    RETURN_IF_ERROR(WritePortFile(options.port_file, bound));
  OUTPOST_LOG(INFO) << "node " << options.node_id << " (" << options.role
                    << ", scopes " << node->store_->scopes().ToString()
                    << ") listening on " << bound;
  if (node->upstream_) node->upstream_->Start();
  return node;
}

void Node::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  if (upstream_) upstream_->Stop();
  if (server_ == nullptr) return;  // never started
  OUTPOST_LOG(INFO) << "shutting down";
  // Streams are long-lived: give in-flight calls a moment, then cancel them.
  server_->Shutdown(std::chrono::system_clock::now() +
                    std::chrono::milliseconds(500));
}

void Node::Wait() { server_->Wait(); }

Node::~Node() {
  Shutdown();
  if (server_ != nullptr) server_->Wait();
}

}  // namespace outpost::server
