// outpostd: one Outpost node (see README "outpostd").
#include <signal.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/flags_usage.h"
#include "server/node.h"
#include "sync/logging.h"

ABSL_FLAG(std::string, node_id, "", "this node's id (e.g. central, yatai)");
ABSL_FLAG(std::string, role, "", "central or community");
ABSL_FLAG(std::string, db, "", "path of the node's SQLite database");
ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "HOST:PORT to serve on (port 0 = any)");
ABSL_FLAG(std::string, port_file, "",
          "write the bound HOST:PORT here once listening");
ABSL_FLAG(std::string, upstream, "",
          "HOST:PORT of the upstream node (community)");
ABSL_FLAG(
    std::vector<std::string>, scopes, {},
    "scopes held (default: the node id for a community, all for central)");
ABSL_FLAG(bool, sync_full, true,
          "fsync every commit (durable against power loss); false: only "
          "against crashes");
ABSL_FLAG(std::string, id_key_file, "",
          "file holding the sub-district's key for resident ids (the same on "
          "every node); "
          "empty: a development key, with a warning");
ABSL_FLAG(std::string, tls_cert, "",
          "this node's certificate (PEM, CN = node id; tools/pki.sh)");
ABSL_FLAG(std::string, tls_key, "", "this node's private key (PEM)");
ABSL_FLAG(std::string, tls_ca, "",
          "the sub-district CA (PEM): peers must hold a certificate from it");
ABSL_FLAG(std::string, tls_crl, "",
          "the CA's revocation list (PEM, tools/pki.sh DIR revoke NODE): "
          "peers whose certificate it lists are refused; reread on change");
ABSL_FLAG(std::string, admin_token_file, "",
          "where the first admin token is written on first start (mode "
          "0600; default <db>.admin.token)");
ABSL_FLAG(std::vector<std::string>, peer_scopes, {},
          "central: scopes a peer may write, as NODE=SCOPE+SCOPE (default: "
          "the peer's node id)");
ABSL_FLAG(std::vector<std::string>, relays, {},
          "central: peer node ids that may relay other nodes' changes (a "
          "district tier); others may send only their own");
ABSL_FLAG(absl::Duration, max_clock_skew, absl::Minutes(5),
          "a replicated change dated further ahead of this PC's clock is "
          "held (never moving the clock) until time catches up");
ABSL_FLAG(std::string, data_key_file, "",
          "the sub-district's data key for ID-card numbers at rest (64 hex "
          "characters, the same on every node; outside the database)");
ABSL_FLAG(int, max_calls_per_client, 64,
          "calls one token or peer node may have in flight at once");
ABSL_FLAG(int, keepalive_s, 30,
          "ping each client connection after this many idle seconds; one "
          "that does not answer within as long again (at most 20 s) is "
          "closed, freeing its calls (a terminal gone on a dead line)");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error");
ABSL_FLAG(std::string, report_deadline, "10:00",
          "daily reports are due at HH:MM (local time) on the next day; "
          "`report completeness --deadline` overrides it per query");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "outpostd --node_id=ID --role=central|community --db=PATH "
      "[--listen=HOST:PORT] "
      "[--port_file=PATH] [--upstream=HOST:PORT] [--scopes=a,b]");
  outpost::ParseCommandLineWithHelp(argc, argv, {"server/"});
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles (a
  // debug aid costing ~5% of a busy node's CPU); our lock order is fixed.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const absl::StatusOr<outpost::LogLevel> level =
      outpost::ParseLogLevel(absl::GetFlag(FLAGS_log_level));
  if (!level.ok()) {
    std::cerr << "outpostd: --log_level: " << level.status().message()
              << std::endl;
    return 2;
  }
  outpost::SetMinLogLevel(*level);

  // Block the stop signals in every thread; one thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  outpost::server::NodeOptions options;
  options.node_id = absl::GetFlag(FLAGS_node_id);
  options.role = absl::GetFlag(FLAGS_role);
  options.db_path = absl::GetFlag(FLAGS_db);
  options.listen = absl::GetFlag(FLAGS_listen);
  options.port_file = absl::GetFlag(FLAGS_port_file);
  options.upstream = absl::GetFlag(FLAGS_upstream);
  options.scopes = absl::GetFlag(FLAGS_scopes);
  options.synchronous_full = absl::GetFlag(FLAGS_sync_full);
  options.report_deadline = absl::GetFlag(FLAGS_report_deadline);
  options.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key = absl::GetFlag(FLAGS_tls_key);
  options.tls_ca = absl::GetFlag(FLAGS_tls_ca);
  options.tls_crl = absl::GetFlag(FLAGS_tls_crl);
  options.admin_token_file = absl::GetFlag(FLAGS_admin_token_file);
  options.max_calls_per_client = absl::GetFlag(FLAGS_max_calls_per_client);
  options.keepalive_s = absl::GetFlag(FLAGS_keepalive_s);
  options.data_key_file = absl::GetFlag(FLAGS_data_key_file);
  options.relays = absl::GetFlag(FLAGS_relays);
  options.max_clock_skew = absl::GetFlag(FLAGS_max_clock_skew);
  for (const std::string& entry : absl::GetFlag(FLAGS_peer_scopes)) {
    std::vector<std::string> parts = absl::StrSplit(entry, '=');
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      std::cerr << "outpostd: --peer_scopes entry \"" << entry
                << "\" must be NODE=SCOPE+SCOPE" << std::endl;
      return 2;
    }
    options.peer_scopes[parts[0]] = absl::StrSplit(parts[1], '+');
  }
  const std::string key_file = absl::GetFlag(FLAGS_id_key_file);
  if (key_file.empty()) {
    OUTPOST_LOG(WARNING)
        << "--id_key_file not given: using the development key for "
           "resident ids (every node of a sub-district needs the same key)";
    options.id_key = "outpost-development-id-key";
  } else {
    std::ifstream in(key_file);
    std::stringstream content;
    content << in.rdbuf();
    options.id_key = std::string(absl::StripAsciiWhitespace(content.str()));
    if (!in || options.id_key.size() < 16) {
      std::cerr << "outpostd: --id_key_file=" << key_file
                << ": cannot read a key of at least 16 characters" << std::endl;
      return 2;
    }
  }

  absl::StatusOr<std::unique_ptr<outpost::server::Node>> node =
      outpost::server::Node::Start(options);
  if (!node.ok()) {
    std::cerr << "outpostd: " << node.status().message() << std::endl;
    return 2;
  }
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    OUTPOST_LOG(INFO) << "signal " << sig << " received";
    (*node)->Shutdown();
  });
  (*node)->Wait();
  node->reset();  // closes the store after in-flight commits
  waiter.detach();
  return 0;
}
