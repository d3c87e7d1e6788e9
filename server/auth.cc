#include "server/auth.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <unistd.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "sync/logging.h"
#include "sync/status_macros.h"

namespace outpost::server {
namespace {

using R = Role;

// ---- The method table ------------------------------------------------------
// Full gRPC method name -> roles allowed besides admin (who may call
// everything). A method not listed here is admin-only. To open a new RPC to
// other roles, add one line (see README "Security").
const std::vector<Role> kAllClients = {R::kCheckpoint, R::kRegistrar,
                                       R::kOperator, R::kCentralOperator};
const std::vector<Role> kRegistry = {R::kRegistrar, R::kOperator,
                                     R::kCentralOperator};
const std::vector<Role> kOperators = {R::kOperator, R::kCentralOperator};
const std::vector<Role> kCentral = {R::kCentralOperator};

const std::map<std::string, std::vector<Role>>& MethodRules() {
  static const auto* rules = new std::map<std::string, std::vector<Role>>{
      // Node to node (peer certificate, or plaintext loopback).
      {"/outpost.v1.Replication/Sync", {R::kNode}},
      // Node administration. Raw rows (Put/PutMany/Get) are admin-only.
      {"/outpost.v1.Admin/Put", {}},
      {"/outpost.v1.Admin/PutMany", {}},
      {"/outpost.v1.Admin/Get", {}},
      {"/outpost.v1.Admin/Status", kAllClients},
      {"/outpost.v1.Admin/Digests",
       {R::kNode, R::kOperator, R::kCentralOperator}},
      {"/outpost.v1.Admin/Verify", kOperators},
      {"/outpost.v1.Admin/Conflicts", kOperators},
      // Checkpoints: passages and their decisions.
      {"/outpost.v1.Community/Pass",
       {R::kCheckpoint, R::kOperator, R::kCentralOperator}},
      {"/outpost.v1.Community/PassStream",
       {R::kCheckpoint, R::kOperator, R::kCentralOperator}},
      {"/outpost.v1.Community/ListCheckpoints", kAllClients},
      {"/outpost.v1.Community/ListCommunities", kAllClients},
      // Registry.
      {"/outpost.v1.Community/ImportResidents", kRegistry},
      {"/outpost.v1.Community/AddCompound", kRegistry},
      {"/outpost.v1.Community/ListCompounds", kRegistry},
      {"/outpost.v1.Community/AddHousehold", kRegistry},
      {"/outpost.v1.Community/AddResident", kRegistry},
      {"/outpost.v1.Community/UpdateResident", kRegistry},
      {"/outpost.v1.Community/GetResident", kRegistry},
      {"/outpost.v1.Community/FindResident", kRegistry},
      {"/outpost.v1.Community/ListResidents", kRegistry},
      {"/outpost.v1.Community/HealthRecord", kRegistry},
      {"/outpost.v1.Community/HealthDueList", kRegistry},
      // Community operations.
      {"/outpost.v1.Community/AddCheckpoint", kOperators},
      {"/outpost.v1.Community/SetCheckpointActive", kOperators},
      {"/outpost.v1.Community/ListAlerts", kOperators},
      {"/outpost.v1.Community/UpdateAlert", kOperators},
      {"/outpost.v1.Community/AddStaff", kOperators},
      {"/outpost.v1.Community/ListStaff", kOperators},
      {"/outpost.v1.Community/AddCommunity", kCentral},
      {"/outpost.v1.Community/SetCommunityActive", kCentral},
      {"/outpost.v1.Community/AddPartyBranch", kOperators},
      {"/outpost.v1.Community/ListPartyBranches", kOperators},
      // Operators settle what sync surfaced (server/operator_authz.h decides
      // the scope per action); repair pages travel node to node.
      {"/outpost.v1.Operator/ConflictShow", kOperators},
      {"/outpost.v1.Operator/ConflictResolve", kOperators},
      {"/outpost.v1.Operator/QuarantineList", kOperators},
      {"/outpost.v1.Operator/QuarantineShow", kOperators},
      {"/outpost.v1.Operator/QuarantineRetry", kOperators},
      {"/outpost.v1.Operator/QuarantineDiscard", kOperators},
      {"/outpost.v1.Operator/Repair", kOperators},
      {"/outpost.v1.Operator/Audit", kOperators},
      {"/outpost.v1.Operator/RepairPull", {R::kNode}},
      {"/outpost.v1.Operator/RepairPush", {R::kNode}},
      // Consolidation: reports, supplies, incidents and enterprises are the
      // office's (operators); services for quarantined homes are desk work.
      {"/outpost.v1.Consolidation/SubmitReport", kOperators},
      {"/outpost.v1.Consolidation/GetReport", kOperators},
      {"/outpost.v1.Consolidation/ListReports", kOperators},
      {"/outpost.v1.Consolidation/Completeness", kOperators},
      {"/outpost.v1.Consolidation/ListItems", kAllClients},
      {"/outpost.v1.Consolidation/ReceiveSupplies", kOperators},
      {"/outpost.v1.Consolidation/IssueSupplies", kOperators},
      {"/outpost.v1.Consolidation/Stock", kOperators},
      {"/outpost.v1.Consolidation/ListDonations", kOperators},
      {"/outpost.v1.Consolidation/AddServiceRequest", kRegistry},
      {"/outpost.v1.Consolidation/UpdateServiceRequest", kRegistry},
      {"/outpost.v1.Consolidation/ListServiceRequests", kRegistry},
      {"/outpost.v1.Consolidation/AddCareVisit", kRegistry},
      {"/outpost.v1.Consolidation/ListCareVisits", kRegistry},
      {"/outpost.v1.Consolidation/OpenIncident", kOperators},
      {"/outpost.v1.Consolidation/AddIncidentAction", kOperators},
      {"/outpost.v1.Consolidation/ListIncidents", kOperators},
      {"/outpost.v1.Consolidation/AddEnterprise", kOperators},
      {"/outpost.v1.Consolidation/UpdateEnterprise", kOperators},
      {"/outpost.v1.Consolidation/ListEnterprises", kOperators},
      {"/outpost.v1.Consolidation/Summary", kOperators},
      {"/outpost.v1.Consolidation/Export", kOperators},
      // Tokens: admin only.
      {"/outpost.v1.Tokens/CreateToken", {}},
      {"/outpost.v1.Tokens/ListTokens", {}},
      {"/outpost.v1.Tokens/RevokeToken", {}},
  };
  return *rules;
}

// ---- Per-call decisions ----------------------------------------------------
struct Decision {
  absl::Status status;
  std::optional<Principal> principal;
};

class DecisionRegistry {
 public:
  void Set(const grpc::ServerContextBase* context, Decision decision) {
    absl::MutexLock lock(&mu_);
    decisions_[context] = std::move(decision);
  }
  void Erase(const grpc::ServerContextBase* context) {
    absl::MutexLock lock(&mu_);
    decisions_.erase(context);
  }
  std::optional<Decision> Get(const grpc::ServerContextBase* context) {
    absl::MutexLock lock(&mu_);
    auto it = decisions_.find(context);
    if (it == decisions_.end()) return std::nullopt;
    return it->second;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<const grpc::ServerContextBase*, Decision> decisions_
      ABSL_GUARDED_BY(mu_);
};

DecisionRegistry& Registry() {
  static auto* registry = new DecisionRegistry();
  return *registry;
}

std::string Sha256(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof(digest));
}

absl::StatusOr<std::string> RandomHex(int bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), bytes) != 1)
    return absl::InternalError("RAND_bytes failed");
  return absl::BytesToHexString(raw);
}

constexpr char kCreateTable[] =
    "CREATE TABLE IF NOT EXISTS _auth_tokens("
    " id TEXT PRIMARY KEY, hash BLOB NOT NULL UNIQUE, role TEXT NOT NULL,"
    " scope TEXT NOT NULL, name TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    " revoked_ms INTEGER NOT NULL DEFAULT 0,"
    " checkpoint TEXT NOT NULL DEFAULT '')";
// Tables made before tokens could be bound to a gate.
constexpr char kAddCheckpointColumn[] =
    "ALTER TABLE _auth_tokens ADD COLUMN checkpoint TEXT NOT NULL DEFAULT ''";

outpost::v1::TokenInfo InfoFromRow(const sync::Statement& st) {
  outpost::v1::TokenInfo info;
  info.set_id(st.ColumnText(0));
  info.set_role(st.ColumnText(1));
  info.set_scope(st.ColumnText(2));
  info.set_name(st.ColumnText(3));
  info.set_created_ms(st.ColumnInt(4));
  info.set_revoked_ms(st.ColumnInt(5));
  info.set_checkpoint(st.ColumnText(6));
  return info;
}

bool Allowed(const std::vector<Role>& roles, Role role) {
  if (role == Role::kAdmin) return true;
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::string RoleList(const std::vector<Role>& roles) {
  std::vector<std::string> names;
  for (Role r : roles) names.emplace_back(RoleName(r));
  names.emplace_back("admin");
  return absl::StrJoin(names, ", ");
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kCheckpoint:
      return "checkpoint";
    case Role::kRegistrar:
      return "registrar";
    case Role::kOperator:
      return "operator";
    case Role::kCentralOperator:
      return "central_operator";
    case Role::kAdmin:
      return "admin";
    case Role::kNode:
      return "node";
  }
  return "?";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (Role r : {Role::kCheckpoint, Role::kRegistrar, Role::kOperator,
                 Role::kCentralOperator, Role::kAdmin}) {
    if (RoleName(r) == name) return r;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--role must be checkpoint, registrar, operator, "
                   "central_operator or admin, not \"",
                   name, "\""));
}

bool MaySeeIdNumbers(const Principal& principal) {
  return principal.role == Role::kRegistrar ||
         principal.role == Role::kOperator ||
         principal.role == Role::kCentralOperator ||
         principal.role == Role::kAdmin;
}

// ---- TokenStore ------------------------------------------------------------

absl::StatusOr<std::unique_ptr<TokenStore>> TokenStore::Open(
    sync::Store* store) {
  std::unique_ptr<TokenStore> tokens(new TokenStore(store));
  RETURN_IF_ERROR(store->WithDatabase([](sync::Database* db) -> absl::Status {
    RETURN_IF_ERROR(db->Exec(kCreateTable));
    sync::Statement& has = db->Cached(
        "SELECT count(*) FROM pragma_table_info('_auth_tokens')"
        " WHERE name = 'checkpoint'");
    ASSIGN_OR_RETURN(bool row, has.Step());
    const bool present = row && has.ColumnInt(0) > 0;
    has.Reset();
    return present ? absl::OkStatus() : db->Exec(kAddCheckpointColumn);
  }));
  RETURN_IF_ERROR(tokens->Load());
  return tokens;
}

absl::Status TokenStore::Load() {
  std::map<std::string, Principal> loaded;
  RETURN_IF_ERROR(store_->WithDatabase([&](sync::Database* db) {
    sync::Statement& st = db->Cached(
        "SELECT id, role, scope, name, hash, checkpoint FROM _auth_tokens"
        " WHERE revoked_ms = 0");
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      absl::StatusOr<Role> role = ParseRole(st.ColumnText(1));
      if (!role.ok()) continue;  // written by a newer version: ignore
      Principal p;
      p.token_id = st.ColumnText(0);
      p.role = *role;
      p.scope = st.ColumnText(2);
      p.name = st.ColumnText(3);
      p.checkpoint = st.ColumnText(5);
      loaded[std::string(st.ColumnBlob(4))] = p;
    }
    st.Reset();
    return absl::OkStatus();
  }));
  absl::MutexLock lock(&mu_);
  by_hash_ = std::move(loaded);
  return absl::OkStatus();
}

absl::StatusOr<bool> TokenStore::EnsureAdminToken(const std::string& path) {
  int64_t count = 0;
  RETURN_IF_ERROR(store_->WithDatabase([&](sync::Database* db) {
    sync::Statement& st = db->Cached("SELECT count(*) FROM _auth_tokens");
    ASSIGN_OR_RETURN(bool row, st.Step());
    count = row ? st.ColumnInt(0) : 0;
    st.Reset();
    return absl::OkStatus();
  }));
  if (count > 0) return false;
  ASSIGN_OR_RETURN(outpost::v1::CreateTokenResponse created,
                   Create("admin", "", "first admin"));
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("--admin_token_file: cannot write ", tmp));
  }
  const std::string content = created.token() + "\n";
  const bool written = ::write(fd, content.data(), content.size()) ==
                           static_cast<ssize_t>(content.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("--admin_token_file: cannot write ", path));
  }
  OUTPOST_LOG(INFO) << "first admin token written to " << path
                    << " (mode 0600; create others with `outpost token "
                       "create`, then delete this file)";
  return true;
}

absl::StatusOr<outpost::v1::CreateTokenResponse> TokenStore::Create(
    const std::string& role_name, const std::string& scope,
    const std::string& name, const std::string& checkpoint) {
  ASSIGN_OR_RETURN(Role role, ParseRole(role_name));
  const bool scoped = role == Role::kCheckpoint || role == Role::kRegistrar ||
                      role == Role::kOperator;
  if (scoped && scope.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--scope: a ", role_name, " token needs the community it works in"));
  }
  if (!scoped && !scope.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--scope: a ", role_name, " token covers all communities"));
  }
  if (!checkpoint.empty()) {
    if (role != Role::kCheckpoint) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--checkpoint: only a checkpoint token is bound to a gate, not a ",
          role_name, " token"));
    }
    absl::StatusOr<std::map<std::string, sync::Value>> gate =
        store_->ReadValues("checkpoints", checkpoint);
    if (!gate.ok()) {
      return absl::NotFoundError(absl::StrCat("--checkpoint: \"", checkpoint,
                                              "\" is not registered here"));
    }
    auto community = gate->find("community");
    if (community == gate->end() || community->second.text_value() != scope) {
      return absl::InvalidArgumentError(
          absl::StrCat("--checkpoint: \"", checkpoint,
                       "\" is not a gate of community ", scope));
    }
  }
  ASSIGN_OR_RETURN(std::string secret, RandomHex(24));
  ASSIGN_OR_RETURN(std::string id, RandomHex(4));
  const std::string token = "opt_" + secret;
  const std::string hash = Sha256(token);
  outpost::v1::CreateTokenResponse response;
  auto* info = response.mutable_info();
  info->set_id(id);
  info->set_role(role_name);
  info->set_scope(scope);
  info->set_name(name);
  info->set_checkpoint(checkpoint);
  info->set_created_ms(absl::ToUnixMillis(absl::Now()));
  RETURN_IF_ERROR(store_->WithDatabase([&](sync::Database* db) {
    sync::Statement& st = db->Cached(
        "INSERT INTO _auth_tokens(id, hash, role, scope, name, created_ms,"
        " checkpoint) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    st.BindText(1, id);
    st.BindBlob(2, hash);
    st.BindText(3, role_name);
    st.BindText(4, scope);
    st.BindText(5, name);
    st.BindInt(6, info->created_ms());
    st.BindText(7, checkpoint);
    return st.Run();
  }));
  response.set_token(token);
  Principal p;
  p.role = role;
  p.scope = scope;
  p.token_id = id;
  p.name = name;
  p.checkpoint = checkpoint;
  absl::MutexLock lock(&mu_);
  by_hash_[hash] = p;
  return response;
}

absl::StatusOr<std::vector<outpost::v1::TokenInfo>> TokenStore::List() {
  std::vector<outpost::v1::TokenInfo> out;
  RETURN_IF_ERROR(store_->WithDatabase([&](sync::Database* db) {
    sync::Statement& st = db->Cached(
        "SELECT id, role, scope, name, created_ms, revoked_ms, checkpoint"
        " FROM _auth_tokens ORDER BY created_ms, id");
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back(InfoFromRow(st));
    }
    st.Reset();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<outpost::v1::TokenInfo> TokenStore::Revoke(
    const std::string& id) {
  std::optional<outpost::v1::TokenInfo> info;
  RETURN_IF_ERROR(store_->WithDatabase([&](sync::Database* db) {
    sync::Statement& up = db->Cached(
        "UPDATE _auth_tokens SET revoked_ms = ?2"
        " WHERE id = ?1 AND revoked_ms = 0");
    up.BindText(1, id);
    up.BindInt(2, absl::ToUnixMillis(absl::Now()));
    RETURN_IF_ERROR(up.Run());
    sync::Statement& st = db->Cached(
        "SELECT id, role, scope, name, created_ms, revoked_ms, checkpoint"
        " FROM _auth_tokens WHERE id = ?1");
    st.BindText(1, id);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) info = InfoFromRow(st);
    st.Reset();
    return absl::OkStatus();
  }));
  if (!info) {
    return absl::NotFoundError(absl::StrCat("--id: no token \"", id, "\""));
  }
  absl::MutexLock lock(&mu_);
  for (auto it = by_hash_.begin(); it != by_hash_.end();) {
    if (it->second.token_id == id) {
      it = by_hash_.erase(it);
    } else {
      ++it;
    }
  }
  return *info;
}

absl::StatusOr<Principal> TokenStore::Authenticate(
    absl::string_view token) const {
  const std::string hash = Sha256(token);
  absl::MutexLock lock(&mu_);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) {
    return absl::UnauthenticatedError(
        "unknown or revoked token (ask your administrator for a token: "
        "outpost token create)");
  }
  return it->second;
}

// ---- Authorizer ------------------------------------------------------------

absl::StatusOr<Principal> Authorizer::Decide(
    const std::string& method, const grpc::ServerContextBase& context,
    const std::multimap<grpc::string_ref, grpc::string_ref>& md) {
  const auto& rules = MethodRules();
  auto rule = rules.find(method);
  static const std::vector<Role> kAdminOnly;
  const std::vector<Role>& roles =
      rule == rules.end() ? kAdminOnly : rule->second;

  std::optional<Principal> principal;
  auto auth = md.find("authorization");
  if (auth != md.end()) {
    absl::string_view value(auth->second.data(), auth->second.size());
    if (!absl::ConsumePrefix(&value, "Bearer ")) {
      return absl::UnauthenticatedError(
          "authorization metadata must be \"Bearer <token>\"");
    }
    ASSIGN_OR_RETURN(Principal p,
                     tokens_->Authenticate(absl::StripAsciiWhitespace(value)));
    principal = p;
  } else {
    // No token: a peer node, identified by its certificate (mTLS) or, on a
    // plaintext loopback listener, trusted as in development.
    std::shared_ptr<const grpc::AuthContext> auth_context =
        context.auth_context();
    if (options_.tls && auth_context != nullptr &&
        auth_context->IsPeerAuthenticated()) {
      std::vector<grpc::string_ref> cn =
          auth_context->FindPropertyValues("x509_common_name");
      if (!cn.empty()) {
        RETURN_IF_ERROR(CertificateInForce(context));
        Principal p;
        p.role = Role::kNode;
        p.cert_node_id = std::string(cn.front().data(), cn.front().size());
        p.name = p.cert_node_id;
        principal = p;
      }
    } else if (!options_.tls && Allowed(roles, Role::kNode) &&
               std::find(roles.begin(), roles.end(), Role::kNode) !=
                   roles.end()) {
      Principal p;
      p.role = Role::kNode;
      p.name = "plaintext-peer";
      principal = p;
    }
  }
  if (!principal) {
    return absl::UnauthenticatedError(absl::StrCat(
        method, " needs a token (outpost --token=... or OUTPOST_TOKEN)",
        options_.tls && std::find(roles.begin(), roles.end(), Role::kNode) !=
                            roles.end()
            ? " or a node certificate"
            : ""));
  }
  if (!Allowed(roles, principal->role)) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", RoleName(principal->role), " may not call ",
                     method, " (allowed: ", RoleList(roles), ")"));
  }
  return *principal;
}

absl::Status Authorizer::CertificateInForce(
    const grpc::ServerContextBase& context) {
  if (options_.revocations == nullptr) return absl::OkStatus();
  std::shared_ptr<const grpc::AuthContext> auth_context =
      context.auth_context();
  if (auth_context == nullptr || !auth_context->IsPeerAuthenticated())
    return absl::OkStatus();
  std::vector<grpc::string_ref> pem =
      auth_context->FindPropertyValues("x509_pem_cert");
  std::vector<grpc::string_ref> cn =
      auth_context->FindPropertyValues("x509_common_name");
  std::string serial;
  if (pem.empty() ||
      options_.revocations->Revoked(
          absl::string_view(pem.front().data(), pem.front().size()), &serial)) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the certificate of node ",
        cn.empty() ? "?" : std::string(cn.front().data(), cn.front().size()),
        " (serial ", serial, ") is revoked (--tls_crl)"));
  }
  return absl::OkStatus();
}

namespace {

// The first `community` string field outside `scope`, in `message` or its
// set singular sub-messages (AddCompoundRequest.compound.community, ...).
absl::Status CheckCommunityFields(const std::string& scope,
                                  const google::protobuf::Message& message,
                                  int depth) {
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  const google::protobuf::Reflection* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    if (field->is_repeated()) continue;
    if (field->name() == "community" &&
        field->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      const std::string value = reflection->GetString(message, field);
      if (!value.empty() && value != scope) {
        return absl::PermissionDeniedError(
            absl::StrCat("token scope is community ", scope,
                         "; this request is for community ", value));
      }
    } else if (field->type() ==
                   google::protobuf::FieldDescriptor::TYPE_MESSAGE &&
               depth < 3 && reflection->HasField(message, field)) {
      RETURN_IF_ERROR(CheckCommunityFields(
          scope, reflection->GetMessage(message, field), depth + 1));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Authorizer::CheckScope(const Principal& principal,
                                    const google::protobuf::Message& message) {
  if (principal.scope.empty()) return absl::OkStatus();
  return CheckCommunityFields(principal.scope, message, 0);
}

absl::Status Authorizer::Acquire(const std::string& client) {
  absl::MutexLock lock(&mu_);
  int& n = in_flight_[client];
  if (n >= options_.limits.max_calls_per_client) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many calls at once from ", client, " (limit ",
                     options_.limits.max_calls_per_client, ")"));
  }
  ++n;
  return absl::OkStatus();
}

void Authorizer::Release(const std::string& client) {
  absl::MutexLock lock(&mu_);
  auto it = in_flight_.find(client);
  if (it == in_flight_.end()) return;
  if (--it->second <= 0) in_flight_.erase(it);
}

// ---- Interceptor -----------------------------------------------------------
namespace {

using grpc::experimental::InterceptionHookPoints;

class AuthInterceptor : public grpc::experimental::Interceptor {
 public:
  AuthInterceptor(Authorizer* authorizer,
                  grpc::experimental::ServerRpcInfo* info)
      : authorizer_(authorizer), info_(info) {}

  ~AuthInterceptor() override {
    if (acquired_) authorizer_->Release(client_);
    Registry().Erase(info_->server_context());
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      Decision decision;
      absl::StatusOr<Principal> principal =
          authorizer_->Decide(info_->method(), *info_->server_context(),
                              *methods->GetRecvInitialMetadata());
      if (principal.ok()) {
        client_ = principal->token_id.empty()
                      ? absl::StrCat("node ", principal->name)
                      : absl::StrCat("token ", principal->token_id);
        decision.status = authorizer_->Acquire(client_);
        acquired_ = decision.status.ok();
        decision.principal = *principal;
      } else {
        decision.status = principal.status();
        OUTPOST_LOG(INFO) << "refused " << info_->method() << " from "
                          << info_->server_context()->peer() << ": "
                          << decision.status;
      }
      decided_ = decision;
      Registry().Set(info_->server_context(), decision);
    }
    // The call's slot is free once its status goes out, not when gRPC gets
    // round to destroying the call (which can lag behind under load).
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS) &&
        acquired_) {
      authorizer_->Release(client_);
      acquired_ = false;
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) &&
        decided_.status.ok() && decided_.principal &&
        !decided_.principal->scope.empty()) {
      void* message = methods->GetRecvMessage();
      if (message != nullptr) {
        absl::Status scope = Authorizer::CheckScope(
            *decided_.principal,
            *static_cast<const google::protobuf::Message*>(message));
        if (!scope.ok()) {
          decided_.status = scope;
          Registry().Set(info_->server_context(), decided_);
        }
      }
    }
    // A node's long-lived stream ends once its certificate is revoked.
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) &&
        decided_.status.ok() && decided_.principal &&
        decided_.principal->role == Role::kNode &&
        !decided_.principal->cert_node_id.empty()) {
      absl::Status in_force =
          authorizer_->CertificateInForce(*info_->server_context());
      if (!in_force.ok()) {
        OUTPOST_LOG(WARNING)
            << info_->method() << " from " << decided_.principal->cert_node_id
            << " ended: " << in_force;
        decided_.status = in_force;
        // The service reads the decision per message and ends the call
        // with this status, so the peer learns why.
        Registry().Set(info_->server_context(), decided_);
      }
    }
    methods->Proceed();
  }

 private:
  Authorizer* const authorizer_;
  grpc::experimental::ServerRpcInfo* const info_;
  Decision decided_;
  std::string client_;
  bool acquired_ = false;
};

}  // namespace

grpc::experimental::Interceptor*
AuthInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new AuthInterceptor(authorizer_, info);
}

absl::Status CallAllowed(const grpc::ServerContextBase* context) {
  std::optional<Decision> decision = Registry().Get(context);
  if (!decision) return absl::OkStatus();
  return decision->status;
}

std::optional<Principal> CallPrincipal(const grpc::ServerContextBase* context) {
  std::optional<Decision> decision = Registry().Get(context);
  if (!decision || !decision->status.ok()) return std::nullopt;
  return decision->principal;
}

namespace {
thread_local const std::optional<Principal>* current_caller = nullptr;
}  // namespace

ScopedCaller::ScopedCaller(std::optional<Principal> principal)
    : principal_(std::move(principal)), previous_(current_caller) {
  current_caller = &principal_;
}

ScopedCaller::~ScopedCaller() { current_caller = previous_; }

absl::Status CallerMayUse(absl::string_view community) {
  if (current_caller == nullptr || !current_caller->has_value())
    return absl::OkStatus();
  const Principal& p = **current_caller;
  if (p.scope.empty() || p.scope == community) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "token scope is community ", p.scope, "; this is community ", community));
}

absl::Status CallerMayRecordAt(absl::string_view checkpoint) {
  if (current_caller == nullptr || !current_caller->has_value())
    return absl::OkStatus();
  const Principal& p = **current_caller;
  if (p.checkpoint.empty() || p.checkpoint == checkpoint)
    return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("checkpoint: this token records at \"", p.checkpoint,
                   "\" only, not \"", checkpoint, "\""));
}

absl::Status AuditIdRead(sync::Store* store, const Principal& principal,
                         const std::string& resident_id) {
  const int64_t now = absl::ToUnixMillis(absl::Now());
  OUTPOST_LOG(INFO) << "audit: " << RoleName(principal.role) << " "
                    << principal.name << " (token " << principal.token_id
                    << ") read the ID-card number of " << resident_id;
  return store->WithDatabase([&](sync::Database* db) {
    RETURN_IF_ERROR(db->Exec(
        "CREATE TABLE IF NOT EXISTS _audit_id_reads(ts_ms INTEGER NOT NULL,"
        " role TEXT NOT NULL, token_id TEXT NOT NULL, name TEXT NOT NULL,"
        " resident_id TEXT NOT NULL)"));
    sync::Statement& st = db->Cached(
        "INSERT INTO _audit_id_reads(ts_ms, role, token_id, name, resident_id)"
        " VALUES(?1, ?2, ?3, ?4, ?5)");
    st.BindInt(1, now);
    st.BindText(2, RoleName(principal.role));
    st.BindText(3, principal.token_id);
    st.BindText(4, principal.name);
    st.BindText(5, resident_id);
    return st.Run();
  });
}

std::vector<std::string> AuthorizedMethodsForTest() {
  std::vector<std::string> out;
  for (const auto& [method, roles] : MethodRules()) out.push_back(method);
  return out;
}

}  // namespace outpost::server
