// Authorization of every call a node serves, in one place.
//
// Who calls:
//   * Clients present a bearer token (`authorization: Bearer <token>` metadata;
//     the CLI takes --token or OUTPOST_TOKEN). A token carries a role and a
//     scope (a community id; empty = all communities). Tokens are node-local
//     (table _auth_tokens in the node's SQLite file, not replicated) and only
//     their SHA-256 is stored.
//   * Peer nodes on /outpost.v1.Replication/Sync are identified by their TLS
//     client certificate (subject CN = node id), no token needed. On a
//     plaintext loopback listener (development, tests) a peer is accepted
//     without a certificate and the node logs it.
//
// What they may call: MethodRules() in auth.cc maps each full method name
// ("/outpost.v1.Community/Pass") to the roles allowed. A method missing from
// the table is admin-only. Admin may call everything. Scope: a `community`
// string field in the request (or a sub-message) must name the token's scope
// (unless the token has none); services check communities they learn from
// rows with CallerMayUse (a household's, a checkpoint's) and list only rows of
// the token's community.
//
// How it is enforced: AuthInterceptorFactory (installed by Node on the
// ServerBuilder) decides each call when its metadata and first message
// arrive and records the decision for the call's ServerContext; Offload()
// (every unary handler) and the streaming handlers ask CallAllowed(context)
// before doing anything, and services that need the caller ask
// CallPrincipal(context). Errors: no or unknown token -> UNAUTHENTICATED;
// wrong role or scope -> PERMISSION_DENIED naming the role or scope; more
// than Limits::max_calls_per_client at once -> RESOURCE_EXHAUSTED.
//
// Thread-safety: all functions and classes here are safe from any thread.
#ifndef OUTPOST_SERVER_AUTH_H_
#define OUTPOST_SERVER_AUTH_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "outpost/v1/auth.pb.h"
#include "server/grpc_status.h"
#include "server/tls.h"
#include "sync/store.h"

namespace outpost::server {

enum class Role {
  kCheckpoint,
  kRegistrar,
  kOperator,
  kCentralOperator,
  kAdmin,
  kNode,  // a peer node identified by its certificate (Replication only)
};

absl::string_view RoleName(Role role);
absl::StatusOr<Role> ParseRole(absl::string_view name);

// The caller of one call.
struct Principal {
  Role role = Role::kCheckpoint;
  std::string scope;     // community id; empty = all
  std::string token_id;  // token callers
  std::string name;      // token name or peer node id
  // The peer's node id from its verified certificate (mTLS peers only).
  std::string cert_node_id;
  // A checkpoint token bound to one gate (empty: any gate of its scope).
  std::string checkpoint;
};

// True when `principal` may see full ID-card numbers (registrar and above;
// never checkpoint).
bool MaySeeIdNumbers(const Principal& principal);

// Node-local tokens. Create the first admin token with EnsureAdminToken.
class TokenStore {
 public:
  // Creates the table if needed and loads the valid tokens into memory.
  static absl::StatusOr<std::unique_ptr<TokenStore>> Open(sync::Store* store);

  // If the node has no token at all yet, creates an admin token and writes it
  // to `path` (mode 0600); returns whether it did. Logs the path.
  absl::StatusOr<bool> EnsureAdminToken(const std::string& path);

  // role must be a token role; checkpoint/registrar/operator need a scope.
  // `checkpoint` (checkpoint role only) binds the token to that registered
  // gate of its scope.
  absl::StatusOr<outpost::v1::CreateTokenResponse> Create(
      const std::string& role, const std::string& scope,
      const std::string& name, const std::string& checkpoint = "");
  absl::StatusOr<std::vector<outpost::v1::TokenInfo>> List();
  absl::StatusOr<outpost::v1::TokenInfo> Revoke(const std::string& id);

  // UNAUTHENTICATED for an unknown or revoked token.
  absl::StatusOr<Principal> Authenticate(absl::string_view token) const;

 private:
  explicit TokenStore(sync::Store* store) : store_(store) {}
  absl::Status Load();
  sync::Store* const store_;
  mutable absl::Mutex mu_;
  // SHA-256 (raw bytes) of each valid token -> its principal.
  std::map<std::string, Principal> by_hash_ ABSL_GUARDED_BY(mu_);
};

struct AuthLimits {
  // Calls one client (token or peer node) may have in flight at once.
  int max_calls_per_client = 64;
};

// Why plaintext peers are trusted: only set on a loopback listener.
struct AuthOptions {
  bool tls = false;  // the listener uses TLS with client certificates
  AuthLimits limits;
  // --tls_crl: peer certificates it lists are refused (server/tls.h).
  RevocationList* revocations = nullptr;
};

// The decision maker; one per node.
class Authorizer {
 public:
  Authorizer(TokenStore* tokens, AuthOptions options)
      : tokens_(tokens), options_(options) {}

  // Who is calling `method`, and may they: from the call's metadata and (for
  // mTLS) its auth context.
  absl::StatusOr<Principal> Decide(
      const std::string& method, const grpc::ServerContextBase& context,
      const std::multimap<grpc::string_ref, grpc::string_ref>& md);
  // UNAUTHENTICATED when the call's peer certificate is revoked (--tls_crl),
  // naming the node and the serial. OK without a certificate or a list.
  absl::Status CertificateInForce(const grpc::ServerContextBase& context);
  // PERMISSION_DENIED when `message` (or a sub-message) has a `community`
  // field outside the principal's scope.
  static absl::Status CheckScope(const Principal& principal,
                                 const google::protobuf::Message& message);

  // Per-client concurrency: Acquire fails with RESOURCE_EXHAUSTED past the
  // limit; every successful Acquire is paired with one Release.
  absl::Status Acquire(const std::string& client);
  void Release(const std::string& client);

  const AuthOptions& options() const { return options_; }

 private:
  TokenStore* const tokens_;
  const AuthOptions options_;
  absl::Mutex mu_;
  std::map<std::string, int> in_flight_ ABSL_GUARDED_BY(mu_);
};

// The server interceptor recording each call's decision.
class AuthInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit AuthInterceptorFactory(Authorizer* authorizer)
      : authorizer_(authorizer) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  Authorizer* const authorizer_;
};

// The decision for the call of `context`: OK, or the error to finish it with.
// A call no AuthInterceptor saw (a server built without one, e.g. in unit
// tests) is allowed.
absl::Status CallAllowed(const grpc::ServerContextBase* context);
// The caller of the call of `context`, if an AuthInterceptor admitted it.
std::optional<Principal> CallPrincipal(const grpc::ServerContextBase* context);

// The caller of the call whose work runs on this thread: Offload() sets it
// for the duration of a unary call's work, so services can check scopes they
// only learn from a row (a household's or checkpoint's community) with
// CallerMayUse, without passing the context down.
class ScopedCaller {
 public:
  explicit ScopedCaller(std::optional<Principal> principal);
  ~ScopedCaller();
  ScopedCaller(const ScopedCaller&) = delete;
  ScopedCaller& operator=(const ScopedCaller&) = delete;

 private:
  std::optional<Principal> principal_;
  const std::optional<Principal>* previous_;
};
// OK when this thread runs no call's work, or the caller's token covers
// `community` (no scope, or that scope); else PERMISSION_DENIED naming both.
absl::Status CallerMayUse(absl::string_view community);
// PERMISSION_DENIED when the caller's token is bound to another gate.
absl::Status CallerMayRecordAt(absl::string_view checkpoint);

// Records that `principal` read the full ID-card number of `resident_id`:
// one row in the node-local table _audit_id_reads (ts_ms, role, token_id,
// name, resident_id; not replicated: it is this node's access log).
absl::Status AuditIdRead(sync::Store* store, const Principal& principal,
                         const std::string& resident_id);

// Reactors for streaming calls refused before they start: they finish at
// once with `status`. Streaming handlers begin with
//   if (absl::Status s = CallAllowed(context); !s.ok())
//     return new RefusedReader<T>(s);
template <typename Request>
class RefusedReader : public grpc::ServerReadReactor<Request> {
 public:
  explicit RefusedReader(const absl::Status& status);
  void OnDone() override { delete this; }
};
template <typename Request, typename Response>
class RefusedBidi : public grpc::ServerBidiReactor<Request, Response> {
 public:
  explicit RefusedBidi(const absl::Status& status);
  void OnDone() override { delete this; }
};

template <typename Response>
class RefusedWriter : public grpc::ServerWriteReactor<Response> {
 public:
  explicit RefusedWriter(const absl::Status& status) {
    this->Finish(ToGrpcStatus(status));
  }
  void OnDone() override { delete this; }
};

// The full method names of the token table, for tests and the README.
std::vector<std::string> AuthorizedMethodsForTest();

template <typename Request>
RefusedReader<Request>::RefusedReader(const absl::Status& status) {
  this->Finish(ToGrpcStatus(status));
}
template <typename Request, typename Response>
RefusedBidi<Request, Response>::RefusedBidi(const absl::Status& status) {
  this->Finish(ToGrpcStatus(status));
}

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_AUTH_H_
