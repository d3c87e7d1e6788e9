#include "server/node.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/consolidation_rules.h"
#include "server/replicated_rows.h"
#include "server/schema.h"
#include "server/tls.h"
#include "sync/logging.h"
#include "sync/status_macros.h"

namespace outpost::server {
namespace {

bool IsLoopback(const std::string& address) {
  return IsLoopbackAddress(address);
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
  if (options.keepalive_s < 0 || options.keepalive_s > 24 * 3600) {
    return absl::InvalidArgumentError(
        absl::StrCat("--keepalive_s must be 0 (off) to 86400 seconds, not ",
                     options.keepalive_s));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Node>> Node::Start(const NodeOptions& options) {
  RETURN_IF_ERROR(ValidateNodeOptions(options));
  std::unique_ptr<Node> node(new Node());
  node->options_ = options;

  // Security, checked before the database is touched: TLS material (or
  // loopback), the data key.
  std::optional<TlsMaterial> tls;
  if (!options.tls_cert.empty() || !options.tls_key.empty() ||
      !options.tls_ca.empty()) {
    ASSIGN_OR_RETURN(tls, LoadTls({.cert = options.tls_cert,
                                   .key = options.tls_key,
                                   .ca = options.tls_ca}));
    if (tls->common_name != options.node_id) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tls_cert names node \"", tls->common_name,
                       "\", not --node_id=", options.node_id));
    }
    if (!options.tls_crl.empty()) {
      ASSIGN_OR_RETURN(node->revocations_,
                       RevocationList::Load(options.tls_crl, tls->ca));
    }
  } else {
    if (!options.tls_crl.empty()) {
      return absl::InvalidArgumentError(
          "--tls_crl needs --tls_cert, --tls_key and --tls_ca");
    }
    if (!IsLoopback(options.listen)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--listen=", options.listen,
          ": plaintext is allowed only on loopback; give --tls_cert, "
          "--tls_key and --tls_ca (tools/pki.sh makes them)"));
    }
    if (!options.upstream.empty() && !IsLoopback(options.upstream)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--upstream=", options.upstream,
          ": plaintext is allowed only on loopback; give --tls_cert, "
          "--tls_key and --tls_ca"));
    }
  }
  // ID-card numbers at rest (server/id_cipher.h).
  std::unique_ptr<IdCipher> cipher;
  if (!options.data_key_file.empty()) {
    ASSIGN_OR_RETURN(cipher, IdCipher::FromKeyFile(options.data_key_file));
  } else if (IsLoopback(options.listen)) {
    OUTPOST_LOG(WARNING) << "--data_key_file not given: ID-card numbers are "
                            "encrypted with the development key (loopback "
                            "only)";
    cipher = IdCipher::Development();
  } else {
    return absl::InvalidArgumentError(
        "--data_key_file is required when serving beyond loopback (make one "
        "with: openssl rand -hex 32 > data.key; chmod 600 data.key)");
  }

  sync::StoreOptions store_options;
  store_options.path = options.db_path;
  store_options.node_id = options.node_id;
  store_options.schema = OutpostSchema();
  store_options.synchronous_full = options.synchronous_full;
  store_options.max_clock_skew_ms =
      absl::ToInt64Milliseconds(options.max_clock_skew);
  const std::shared_ptr<const IdCipher> shared_cipher = std::move(cipher);
  store_options.remote_row_check =
      ReplicatedRowCheck({options.id_key, shared_cipher});
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

  // Tokens and the authorizer (server/auth.h).
  ASSIGN_OR_RETURN(node->tokens_, TokenStore::Open(node->store_.get()));
  const std::string token_file = options.admin_token_file.empty()
                                     ? options.db_path + ".admin.token"
                                     : options.admin_token_file;
  RETURN_IF_ERROR(node->tokens_->EnsureAdminToken(token_file).status());
  AuthOptions auth_options;
  auth_options.tls = tls.has_value();
  auth_options.limits.max_calls_per_client = options.max_calls_per_client;
  auth_options.revocations = node->revocations_.get();
  node->authorizer_ =
      std::make_unique<Authorizer>(node->tokens_.get(), auth_options);
  node->token_service_ = std::make_unique<TokenService>(node->tokens_.get());

  if (options.role == "community") {
    node->upstream_ = std::make_unique<Upstream>(
        node->store_.get(), options.upstream, &node->peers_, absl::Seconds(30),
        tls ? MutualTlsChannelCredentials(*tls)
            : grpc::InsecureChannelCredentials());
  }
  node->replication_ = std::make_unique<ReplicationService>(
      node->store_.get(), options.role, &node->peers_);
  const PeerPolicy peer_policy{
      .tls = tls.has_value(),
      .scopes = options.peer_scopes,
      .relays = {options.relays.begin(), options.relays.end()}};
  node->replication_->set_peer_policy(peer_policy);
  node->admin_ = std::make_unique<AdminService>(
      node->store_.get(), options.role, &node->peers_, node->upstream_.get());

  node->community_ =
      std::make_unique<CommunityService>(node->store_.get(), options.id_key);
  node->operator_ = std::make_unique<OperatorService>(node->store_.get(),
                                                      node->upstream_.get());
  node->operator_->set_peer_policy(peer_policy);
  node->consolidation_ = std::make_unique<ConsolidationService>(
      node->store_.get(), options.role, options.report_deadline);
  node->community_->set_id_cipher(shared_cipher);
  node->operator_->set_id_cipher(shared_cipher);
  node->consolidation_->set_id_cipher(shared_cipher);

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen,
                           tls ? MutualTlsServerCredentials(*tls)
                               : grpc::InsecureServerCredentials(),
                           &node->port_);
  {
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(
        std::make_unique<AuthInterceptorFactory>(node->authorizer_.get()));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  builder.RegisterService(node->token_service_.get());
  builder.RegisterService(node->replication_.get());
  builder.RegisterService(node->admin_.get());
  builder.RegisterService(node->community_.get());
  builder.RegisterService(node->operator_.get());
  builder.RegisterService(node->consolidation_.get());
  builder.SetMaxReceiveMessageSize(8 << 20);
  // Limits (server/auth.h has the per-client one): streams per connection.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, 100);
  // gRPC sets SO_REUSEPORT by default: two nodes could share a port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // A terminal whose line died without a FIN would otherwise hold its open
  // PassStream, and a call slot of its token, for good: the node pings idle
  // connections and closes those that no longer answer.
  if (options.keepalive_s > 0) {
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                               options.keepalive_s * 1000);
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                               std::min(options.keepalive_s, 20) * 1000);
    // Keep pinging a connection whose streams are open but quiet.
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  }
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
  if (tls) {
    OUTPOST_LOG(INFO) << "mTLS on " << bound << " as node " << tls->common_name
                      << " (peers need a certificate from --tls_ca)";
  } else {
    OUTPOST_LOG(INFO) << "plaintext on loopback " << bound
                      << " (development mode: peers are trusted by their "
                         "Hello; give --tls_cert/--tls_key/--tls_ca for mTLS)";
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
