// FaultProxy: a TCP proxy on 127.0.0.1 that the end-to-end tests put between
// two outpostd processes to inject network faults: a cut cable (blackhole),
// connection resets, and latency.
//
// Usage:
//   ASSIGN_OR_RETURN(auto proxy, FaultProxy::Start("127.0.0.1", hub_port));
//   ... point the community node's upstream at 127.0.0.1:proxy->port() ...
//   proxy->SetMode(FaultProxy::Mode::kBlackhole);  // packets vanish
//   ... expect the node to notice (keepalive) ...
//   proxy->SetMode(FaultProxy::Mode::kPass);       // cable plugged back in
//
// The proxy only ever binds and connects 127.0.0.1; it never touches another
// address, so a test cannot reach outside the machine through it.
//
// Byte-stream contract: in kPass and kDelay every byte read from one side is
// written to the other, in order. Bytes that arrive while the mode is
// kBlackhole (and bytes read but not yet written when kBlackhole is set) are
// dropped for good, so after switching back to kPass the stream has a gap. That
// is deliberate: the upper protocol (gRPC/HTTP2) is expected to notice (failed
// keepalive or a framing error) and reconnect, which is what the tests check.
//
// Thread-safety: every public method may be called from any thread, while
// connections are being forwarded; the destructor must not race with other
// calls on the same object. Each connection rechecks the mode at least every
// 10 ms, so a reset or a stop takes effect within about that; bytes that
// arrive after SetMode() has returned are always handled in the new mode.
//
// Threads: one accepting, plus one per connection (polling both sockets), all
// joined by the destructor. Nothing blocks on a socket for more than a tick.
#ifndef OUTPOST_TOOLS_TESTBED_FAULT_PROXY_H_
#define OUTPOST_TOOLS_TESTBED_FAULT_PROXY_H_

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace outpost::testing {

class FaultProxy {
 public:
  enum class Mode {
    // Forward bytes both ways.
    kPass,
    // Keep every connection open but forward nothing: bytes read from either
    // side are dropped, nothing is closed or reset (a peer's own FIN or RST is
    // not passed on either, until forwarding resumes). New connections are
    // accepted but not connected upstream until the mode forwards again.
    kBlackhole,
    // Abort (RST) every existing connection, and every new one right after
    // accepting it.
    kReset,
    // Like kPass, but each chunk read waits the SetDelay() duration before it
    // is written. Chunks in one direction are serialized, so this also caps
    // throughput at one chunk (<= 64 KiB) per delay per direction.
    kDelay,
  };

  // Listens on 127.0.0.1 (an ephemeral port) and forwards each accepted
  // connection to target_host:target_port, starting in kPass with no delay.
  // INVALID_ARGUMENT unless target_host is "127.0.0.1" or "localhost" and
  // target_port is in 1..65535; the socket call's errno mapped by
  // absl::ErrnoToStatus if the listener cannot be set up.
  // The target is not contacted until a client connects.
  static absl::StatusOr<std::unique_ptr<FaultProxy>> Start(
      std::string target_host, int target_port);

  // Stops: closes the listener, aborts (RST) every connection on both sides,
  // and joins all threads. Returns within a few tens of milliseconds.
  ~FaultProxy();

  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // The port the proxy listens on (on 127.0.0.1).
  int port() const { return port_; }

  // Where connections that have not connected upstream yet will go (accepted
  // from now on, or accepted during kBlackhole). Existing upstream connections
  // are kept. A host other than "127.0.0.1"/"localhost" or a port outside
  // 1..65535 makes the target unreachable: such clients are closed.
  void SetTarget(std::string host, int port) ABSL_LOCKS_EXCLUDED(mu_);

  // Applies to existing and new connections (see Mode).
  void SetMode(Mode mode) ABSL_LOCKS_EXCLUDED(mu_);

  // The wait before each forwarded chunk in kDelay; applies to chunks read
  // after the call. Negative durations count as zero.
  void SetDelay(absl::Duration delay) ABSL_LOCKS_EXCLUDED(mu_);

  // Aborts (RST, via SO_LINGER 0) both sides of every connection accepted
  // before the call, in any mode. Later connections are unaffected; one being
  // accepted concurrently with the call may go either way.
  void ResetAll() ABSL_LOCKS_EXCLUDED(mu_);

  // Bytes written to either side so far (dropped bytes not included).
  int64_t bytes_forwarded() const ABSL_LOCKS_EXCLUDED(mu_);

  // Client connections accepted so far, including ones reset or closed at
  // once.
  int connections_accepted() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // One client connection, served by its own thread. The thread owns both
  // sockets; other threads only flip shared state that it polls.
  struct Connection {
    int client_fd = -1;
    // reset_generation_ when accepted; ResetAll() aborts older connections.
    int64_t generation = 0;
    std::thread thread;
    // Set (under mu_) by the connection's thread just before it returns, so
    // the accept thread can join it without blocking.
    bool done = false;
  };

  // What a connection thread needs to know about the shared state, read in one
  // critical section per poll tick.
  struct Control {
    bool stopping = false;
    bool reset = false;  // kReset, or ResetAll() since this connection began
    Mode mode = Mode::kPass;
    absl::Duration delay;
  };

  FaultProxy(int listen_fd, int port, std::string target_host, int target_port);

  void AcceptLoop() ABSL_LOCKS_EXCLUDED(mu_);
  void Serve(Connection* connection) ABSL_LOCKS_EXCLUDED(mu_);
  // Connects to the current target; -1 if unreachable or if `generation`'s
  // connection must stop meanwhile.
  int ConnectUpstream(int64_t generation) ABSL_LOCKS_EXCLUDED(mu_);
  Control ReadControl(int64_t generation) const ABSL_LOCKS_EXCLUDED(mu_);
  void AddForwarded(int64_t bytes) ABSL_LOCKS_EXCLUDED(mu_);
  // Joins and removes finished connections (all of them once stopping_).
  void ReapConnections(bool all) ABSL_LOCKS_EXCLUDED(mu_);

  const int listen_fd_;  // owned; closed by the destructor
  const int port_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::string target_host_ ABSL_GUARDED_BY(mu_);
  int target_port_ ABSL_GUARDED_BY(mu_);
  Mode mode_ ABSL_GUARDED_BY(mu_) = Mode::kPass;
  absl::Duration delay_ ABSL_GUARDED_BY(mu_);
  int64_t reset_generation_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t bytes_forwarded_ ABSL_GUARDED_BY(mu_) = 0;
  int connections_accepted_ ABSL_GUARDED_BY(mu_) = 0;
  // Live (and finished but not yet joined) connections. std::list so that a
  // Connection's address stays fixed while its thread runs.
  std::list<Connection> connections_ ABSL_GUARDED_BY(mu_);

  std::thread accept_thread_;
};

}  // namespace outpost::testing

#endif  // OUTPOST_TOOLS_TESTBED_FAULT_PROXY_H_
