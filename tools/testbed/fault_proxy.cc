#include "tools/testbed/fault_proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace outpost::testing {
namespace {

// How long a connection or the accept thread may go without looking at the
// shared state: bounds the latency of SetMode(), ResetAll() and destruction.
constexpr absl::Duration kTick = absl::Milliseconds(10);
// Largest read, and so the largest chunk kDelay holds back at a time.
constexpr size_t kChunkSize = 64 * 1024;
// A loopback connect either completes or is refused at once; only a target
// whose accept backlog is full makes it wait, and then we give up.
constexpr absl::Duration kConnectTimeout = absl::Seconds(2);

sockaddr_in LoopbackAddress(int port) {
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

// Only the loopback address is ever used, whatever the caller passes.
bool IsAllowedTarget(const std::string& host, int port) {
  return (host == "127.0.0.1" || host == "localhost") && port > 0 &&
         port <= 65535;
}

int PollTimeoutMs(absl::Duration timeout) {
  if (timeout <= absl::ZeroDuration()) return 0;
  return static_cast<int>(
      std::ceil(absl::ToDoubleMilliseconds(std::min(timeout, kTick))));
}

// Forwarded traffic is mostly small frames; Nagle would add stalls a direct
// connection between the two peers (which set TCP_NODELAY) would not have.
void SetNoDelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// close(), without retrying on EINTR: on Linux the fd is gone either way.
void CloseFd(int fd) {
  if (fd >= 0) close(fd);
}

// Closes with RST rather than FIN: SO_LINGER with a zero timeout makes close()
// abort the connection and discard unsent data.
void AbortFd(int fd) {
  if (fd < 0) return;
  const linger abort_on_close = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close,
             sizeof(abort_on_close));
  close(fd);
}

// A connect to a free port in the ephemeral range can, rarely, pick that same
// port as its source and connect to itself (TCP simultaneous open). That is an
// unreachable target, not a live one.
bool IsConnectedToItself(int fd) {
  sockaddr_in local = {};
  sockaddr_in peer = {};
  socklen_t local_length = sizeof(local);
  socklen_t peer_length = sizeof(peer);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_length) !=
          0 ||
      getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) != 0) {
    return false;
  }
  return local.sin_port == peer.sin_port &&
         local.sin_addr.s_addr == peer.sin_addr.s_addr;
}

bool WouldBlock(int error) {
  return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

// One direction of a connection: bytes read from one socket and not yet
// written to the other. At most one chunk is held, so a slow reader pushes
// back on the writer through TCP flow control as it would without the proxy.
struct Flow {
  std::string buffer;
  size_t offset = 0;
  absl::Time ready_at;  // kDelay: not written before this
  bool eof = false;     // the source sent FIN
  bool shut = false;    // ... and we passed it on with shutdown(SHUT_WR)

  bool pending() const { return offset < buffer.size(); }
  void Drop() {
    buffer.clear();
    offset = 0;
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<FaultProxy>> FaultProxy::Start(
    std::string target_host, int target_port) {
  if (!IsAllowedTarget(target_host, target_port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("FaultProxy only forwards to 127.0.0.1/localhost with a "
                     "port in 1..65535, not ",
                     target_host, ":", target_port));
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::ErrnoToStatus(errno, "FaultProxy socket()");
  sockaddr_in address = LoopbackAddress(0);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    const int error = errno;
    CloseFd(fd);
    return absl::ErrnoToStatus(error, "FaultProxy bind(127.0.0.1:0)");
  }
  if (listen(fd, SOMAXCONN) != 0) {
    const int error = errno;
    CloseFd(fd);
    return absl::ErrnoToStatus(error, "FaultProxy listen()");
  }
  socklen_t length = sizeof(address);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    CloseFd(fd);
    return absl::ErrnoToStatus(error, "FaultProxy getsockname()");
  }
  std::unique_ptr<FaultProxy> proxy(new FaultProxy(
      fd, ntohs(address.sin_port), std::move(target_host), target_port));
  proxy->accept_thread_ = std::thread(&FaultProxy::AcceptLoop, proxy.get());
  return proxy;
}

FaultProxy::FaultProxy(int listen_fd, int port, std::string target_host,
                       int target_port)
    : listen_fd_(listen_fd),
      port_(port),
      target_host_(std::move(target_host)),
      target_port_(target_port) {}

FaultProxy::~FaultProxy() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (accept_thread_.joinable()) accept_thread_.join();
  // Clients still in the backlog get refused rather than hanging.
  CloseFd(listen_fd_);
  ReapConnections(/*all=*/true);
}

void FaultProxy::SetTarget(std::string host, int port) {
  absl::MutexLock lock(&mu_);
  target_host_ = std::move(host);
  target_port_ = port;
}

void FaultProxy::SetMode(Mode mode) {
  absl::MutexLock lock(&mu_);
  mode_ = mode;
}

void FaultProxy::SetDelay(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  delay_ = std::max(delay, absl::ZeroDuration());
}

void FaultProxy::ResetAll() {
  absl::MutexLock lock(&mu_);
  ++reset_generation_;
}

int64_t FaultProxy::bytes_forwarded() const {
  absl::MutexLock lock(&mu_);
  return bytes_forwarded_;
}

int FaultProxy::connections_accepted() const {
  absl::MutexLock lock(&mu_);
  return connections_accepted_;
}

FaultProxy::Control FaultProxy::ReadControl(int64_t generation) const {
  absl::MutexLock lock(&mu_);
  Control control;
  control.stopping = stopping_;
  control.reset = mode_ == Mode::kReset || generation < reset_generation_;
  control.mode = mode_;
  control.delay = delay_;
  return control;
}

void FaultProxy::AddForwarded(int64_t bytes) {
  absl::MutexLock lock(&mu_);
  bytes_forwarded_ += bytes;
}

void FaultProxy::ReapConnections(bool all) {
  std::list<Connection> finished;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      auto next = std::next(it);
      // splice() keeps the node (and the Connection* its thread holds) alive.
      if (all || it->done) finished.splice(finished.end(), connections_, it);
      it = next;
    }
  }
  // Outside mu_: a thread still running needs mu_ to notice stopping_.
  for (Connection& connection : finished) connection.thread.join();
}

void FaultProxy::AcceptLoop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    ReapConnections(/*all=*/false);
    pollfd listener = {listen_fd_, POLLIN, 0};
    const int ready = poll(&listener, 1, PollTimeoutMs(kTick));
    if (ready < 0 && errno != EINTR) absl::SleepFor(kTick);
    if (ready <= 0) continue;
    const int fd =
        accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      // Out of fds or memory: the client stays queued; retry without spinning.
      if (!WouldBlock(errno) && errno != ECONNABORTED) absl::SleepFor(kTick);
      continue;
    }
    SetNoDelay(fd);
    absl::MutexLock lock(&mu_);
    ++connections_accepted_;
    Connection& connection = connections_.emplace_back();
    connection.client_fd = fd;
    connection.generation = reset_generation_;
    // The new thread's first step takes mu_, so it waits until we are done.
    connection.thread = std::thread(&FaultProxy::Serve, this, &connection);
  }
}

int FaultProxy::ConnectUpstream(int64_t generation) {
  std::string host;
  int port;
  {
    absl::MutexLock lock(&mu_);
    host = target_host_;
    port = target_port_;
  }
  if (!IsAllowedTarget(host, port)) return -1;
  const sockaddr_in address = LoopbackAddress(port);
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address),
              sizeof(address)) != 0) {
    if (errno != EINPROGRESS && errno != EINTR) {
      CloseFd(fd);
      return -1;
    }
    // The connect continues in the background (also after EINTR); wait for
    // it in ticks so that a stop or reset is not held up.
    const absl::Time deadline = absl::Now() + kConnectTimeout;
    while (true) {
      const Control control = ReadControl(generation);
      if (control.stopping || control.reset || absl::Now() >= deadline) {
        AbortFd(fd);
        return -1;
      }
      pollfd pending = {fd, POLLOUT, 0};
      const int ready = poll(&pending, 1, PollTimeoutMs(kTick));
      if (ready > 0) break;
      if (ready < 0 && errno != EINTR) {
        CloseFd(fd);
        return -1;
      }
    }
    int error = 0;
    socklen_t length = sizeof(error);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 ||
        error != 0) {
      CloseFd(fd);
      return -1;
    }
  }
  if (IsConnectedToItself(fd)) {
    CloseFd(fd);
    return -1;
  }
  SetNoDelay(fd);
  return fd;
}

// Each pass of the loop: read the shared state, apply it (drop, connect,
// abort), do the I/O the previous poll() reported, then poll again for at most
// one tick. The I/O is judged by the state read after the poll returned, so
// data sent after SetMode() returns is always handled in the new mode.
void FaultProxy::Serve(Connection* connection) {
  enum { kClient = 0, kUpstream = 1 };
  // flows[i] carries bytes read from fds[i] to fds[1 - i].
  int fds[2] = {connection->client_fd, -1};
  bool failed[2] = {false, false};  // recv/send error (e.g. the peer's RST)
  Flow flows[2];
  short requested[2] = {0, 0};
  short returned[2] = {0, 0};
  bool abort = true;
  char chunk[kChunkSize];

  while (true) {
    const Control control = ReadControl(connection->generation);
    if (control.stopping || control.reset) break;
    const bool forwarding =
        control.mode == Mode::kPass || control.mode == Mode::kDelay;
    if (!forwarding) {
      // Bytes in flight when the cable is cut are lost too.
      flows[kClient].Drop();
      flows[kUpstream].Drop();
    } else if (fds[kUpstream] < 0) {
      fds[kUpstream] = ConnectUpstream(connection->generation);
      if (fds[kUpstream] < 0) {
        abort = false;  // target unreachable: just close the client
        break;
      }
    }

    for (int i = 0; i < 2; ++i) {
      if ((requested[i] & POLLIN) &&
          (returned[i] & (POLLIN | POLLERR | POLLHUP))) {
        const ssize_t n = recv(fds[i], chunk, sizeof(chunk), 0);
        if (n > 0 && forwarding) {
          flows[i].buffer.assign(chunk, static_cast<size_t>(n));
          flows[i].offset = 0;
          flows[i].ready_at = absl::Now() + (control.mode == Mode::kDelay
                                                 ? control.delay
                                                 : absl::ZeroDuration());
        } else if (n == 0) {
          flows[i].eof = true;
        } else if (n < 0 && !WouldBlock(errno)) {
          failed[i] = true;
        }
      }
      Flow& out = flows[1 - i];
      if ((requested[i] & POLLOUT) &&
          (returned[i] & (POLLOUT | POLLERR | POLLHUP)) && !failed[i] &&
          out.pending()) {
        const ssize_t n = send(fds[i], out.buffer.data() + out.offset,
                               out.buffer.size() - out.offset, MSG_NOSIGNAL);
        if (n > 0) {
          out.offset += static_cast<size_t>(n);
          if (!out.pending()) out.Drop();
          AddForwarded(n);
        } else if (n < 0 && !WouldBlock(errno)) {
          failed[i] = true;
        }
      }
    }

    // A peer's FIN or RST is passed on only while forwarding; in kBlackhole
    // the other side keeps seeing an open, silent connection.
    if (forwarding) {
      if (failed[kClient] || failed[kUpstream]) break;
      for (int i = 0; i < 2; ++i) {
        if (flows[i].eof && !flows[i].pending() && !flows[i].shut) {
          shutdown(fds[1 - i], SHUT_WR);
          flows[i].shut = true;
        }
      }
      if (flows[kClient].shut && flows[kUpstream].shut) {
        abort = false;  // both sides finished cleanly
        break;
      }
    }

    const absl::Time now = absl::Now();
    absl::Duration timeout = kTick;
    pollfd polled[2];
    for (int i = 0; i < 2; ++i) {
      requested[i] = 0;
      returned[i] = 0;
      if (fds[i] < 0 || failed[i]) continue;
      const Flow& in = flows[i];
      const Flow& out = flows[1 - i];
      if (!in.eof && !in.pending()) requested[i] |= POLLIN;
      if (out.pending()) {
        if (now >= out.ready_at) {
          requested[i] |= POLLOUT;
        } else {
          timeout = std::min(timeout, out.ready_at - now);
        }
      }
    }
    for (int i = 0; i < 2; ++i) {
      // fd -1 makes poll() skip the entry, so a hung-up socket we are not
      // interested in cannot make it return at once over and over.
      polled[i] = {requested[i] != 0 ? fds[i] : -1, requested[i], 0};
    }
    if (poll(polled, 2, PollTimeoutMs(timeout)) > 0) {
      returned[kClient] = polled[kClient].revents;
      returned[kUpstream] = polled[kUpstream].revents;
    }
  }

  for (int fd : fds) {
    if (abort) {
      AbortFd(fd);
    } else {
      CloseFd(fd);
    }
  }
  absl::MutexLock lock(&mu_);
  connection->done = true;
}

}  // namespace outpost::testing
