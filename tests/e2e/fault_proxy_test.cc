// Tests FaultProxy with real sockets on 127.0.0.1: a client talks to an echo
// server through the proxy while the tests switch fault modes.
#include "tools/testbed/fault_proxy.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace outpost::testing {
namespace {

// How long silence must last to count as "no reply".
constexpr absl::Duration kQuiet = absl::Milliseconds(300);
// Generous bound for things that should happen at once.
constexpr absl::Duration kPrompt = absl::Seconds(2);

sockaddr_in Loopback(int port) {
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

int PollMs(absl::Duration timeout) {
  return static_cast<int>(std::ceil(absl::ToDoubleMilliseconds(
      std::clamp(timeout, absl::ZeroDuration(), absl::Milliseconds(10)))));
}

// Owns a socket so that a failed assertion does not leak it.
class ScopedFd {
 public:
  explicit ScopedFd(int fd = -1) : fd_(fd) {}
  ~ScopedFd() { Reset(); }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// A blocking client socket connected to 127.0.0.1:port, or -1. Receives time
// out after 3 s so that a proxy bug fails a test instead of hanging it.
int ConnectTo(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const timeval receive_timeout = {3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &receive_timeout,
             sizeof(receive_timeout));
  const sockaddr_in address = Loopback(port);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address),
              sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Writes all of `data` (blocking or non-blocking fd); false on error, after
// 5 s, or once *stop is set.
bool SendAll(int fd, absl::string_view data,
             const std::atomic<bool>* stop = nullptr) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!data.empty()) {
    if ((stop != nullptr && *stop) || absl::Now() > deadline) return false;
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd writable = {fd, POLLOUT, 0};
      poll(&writable, 1, 10);
    } else if (errno != EINTR) {
      return false;
    }
  }
  return true;
}

struct Received {
  enum Outcome { kData, kTimeout, kClosed };
  Outcome outcome = kTimeout;
  std::string data;
};

// Reads exactly `size` bytes: kData, else kClosed on EOF or error, else
// kTimeout (with what arrived so far).
Received RecvExactly(int fd, size_t size, absl::Duration timeout) {
  Received received;
  const absl::Time deadline = absl::Now() + timeout;
  while (received.data.size() < size) {
    const absl::Duration remaining = deadline - absl::Now();
    if (remaining <= absl::ZeroDuration()) return received;
    pollfd readable = {fd, POLLIN, 0};
    if (poll(&readable, 1, PollMs(remaining)) <= 0) continue;
    char buffer[64 * 1024];
    const ssize_t n =
        recv(fd, buffer, std::min(sizeof(buffer), size - received.data.size()),
             MSG_DONTWAIT);
    if (n > 0) {
      received.data.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      received.outcome = Received::kClosed;
      return received;
    }
  }
  received.outcome = Received::kData;
  return received;
}

// Sends `message` and expects it back within kPrompt.
void ExpectEcho(int fd, const std::string& message) {
  ASSERT_TRUE(SendAll(fd, message));
  const Received reply = RecvExactly(fd, message.size(), kPrompt);
  EXPECT_EQ(reply.outcome, Received::kData);
  EXPECT_EQ(reply.data, message);
}

// Expects the peer to close or reset `fd` within `within`.
void ExpectClosed(int fd, absl::Duration within = kPrompt) {
  EXPECT_EQ(RecvExactly(fd, 1, within).outcome, Received::kClosed);
}

bool Eventually(const std::function<bool()>& condition) {
  const absl::Time deadline = absl::Now() + kPrompt;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

size_t CountEntries(const char* directory) {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator(directory)) {
    ++count;
  }
  return count;
}

// Echoes every byte back on the same connection; closes a connection when its
// client sends EOF. One thread per connection; all stop in the destructor.
class EchoServer {
 public:
  static std::unique_ptr<EchoServer> Start() {
    const int fd =
        socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address = Loopback(0);
    socklen_t length = sizeof(address);
    if (fd < 0 ||
        bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        listen(fd, SOMAXCONN) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      if (fd >= 0) close(fd);
      return nullptr;
    }
    return std::unique_ptr<EchoServer>(
        new EchoServer(fd, ntohs(address.sin_port)));
  }

  ~EchoServer() {
    stopping_ = true;
    accept_thread_.join();
    close(listen_fd_);
    absl::MutexLock lock(&mu_);
    for (std::thread& thread : threads_) thread.join();
  }

  int port() const { return port_; }
  int connections() const { return connections_; }

 private:
  EchoServer(int listen_fd, int port) : listen_fd_(listen_fd), port_(port) {
    accept_thread_ = std::thread(&EchoServer::AcceptLoop, this);
  }

  void AcceptLoop() {
    while (!stopping_) {
      pollfd listener = {listen_fd_, POLLIN, 0};
      if (poll(&listener, 1, 10) <= 0) continue;
      const int fd =
          accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections_;
      absl::MutexLock lock(&mu_);
      threads_.emplace_back(&EchoServer::Echo, this, fd);
    }
  }

  void Echo(int fd) {
    char buffer[16 * 1024];
    while (!stopping_) {
      pollfd readable = {fd, POLLIN, 0};
      if (poll(&readable, 1, 10) <= 0) continue;
      const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;
      if (n > 0 && !SendAll(fd, absl::string_view(buffer, n), &stopping_)) {
        break;
      }
    }
    close(fd);
  }

  const int listen_fd_;
  const int port_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  absl::Mutex mu_;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
  std::thread accept_thread_;
};

class FaultProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    echo_ = EchoServer::Start();
    ASSERT_NE(echo_, nullptr);
    absl::StatusOr<std::unique_ptr<FaultProxy>> proxy =
        FaultProxy::Start("127.0.0.1", echo_->port());
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = *std::move(proxy);
  }

  std::unique_ptr<EchoServer> echo_;
  std::unique_ptr<FaultProxy> proxy_;
};

TEST_F(FaultProxyTest, PassForwardsBothWays) {
  ScopedFd client(ConnectTo(proxy_->port()));
  ASSERT_GE(client.get(), 0);
  ExpectEcho(client.get(), "hello");
  ExpectEcho(client.get(), "again");
  EXPECT_EQ(proxy_->connections_accepted(), 1);
  EXPECT_EQ(echo_->connections(), 1);
  EXPECT_TRUE(Eventually([&] { return proxy_->bytes_forwarded() == 20; }))
      << proxy_->bytes_forwarded();
}

TEST_F(FaultProxyTest, PassForwardsLargeTransfersInOrder) {
  ScopedFd client(ConnectTo(proxy_->port()));
  ASSERT_GE(client.get(), 0);
  std::string payload(2 << 20, '\0');
  for (size_t i = 0; i < payload.size(); ++i) {
    payload[i] = static_cast<char>((i * 7919) >> 8);
  }
  // Send from another thread: the echo comes back while we are still sending.
  std::thread sender([&] { EXPECT_TRUE(SendAll(client.get(), payload)); });
  const Received reply = RecvExactly(client.get(), payload.size(), kPrompt);
  sender.join();
  EXPECT_EQ(reply.outcome, Received::kData);
  EXPECT_TRUE(reply.data == payload);
  EXPECT_TRUE(Eventually([&] {
    return proxy_->bytes_forwarded() ==
           static_cast<int64_t>(2 * payload.size());
  }));
}

TEST_F(FaultProxyTest, PassForwardsHalfClose) {
  ScopedFd client(ConnectTo(proxy_->port()));
  ASSERT_GE(client.get(), 0);
  ASSERT_TRUE(SendAll(client.get(), "bye"));
  ASSERT_EQ(shutdown(client.get(), SHUT_WR), 0);
  // The echo server answers, sees our EOF through the proxy and closes.
  const Received reply = RecvExactly(client.get(), 3, kPrompt);
  EXPECT_EQ(reply.data, "bye");
  ExpectClosed(client.get());
}

TEST_F(FaultProxyTest, BlackholeDropsDataKeepsConnectionThenPassResumes) {
  ScopedFd client(ConnectTo(proxy_->port()));
  ASSERT_GE(client.get(), 0);
  ExpectEcho(client.get(), "before");

  proxy_->SetMode(FaultProxy::Mode::kBlackhole);
  ASSERT_TRUE(SendAll(client.get(), "lost"));
  // Neither a reply nor a close: the connection just goes silent.
  const Received silence = RecvExactly(client.get(), 1, kQuiet);
  EXPECT_EQ(silence.outcome, Received::kTimeout);
  EXPECT_EQ(silence.data, "");

  proxy_->SetMode(FaultProxy::Mode::kPass);
  // "lost" was dropped for good, so only the new bytes come back.
  ExpectEcho(client.get(), "after");
  EXPECT_EQ(proxy_->connections_accepted(), 1);
  EXPECT_EQ(echo_->connections(), 1);
}

TEST_F(FaultProxyTest, BlackholeAcceptsNewConnectionsWithoutForwarding) {
  proxy_->SetMode(FaultProxy::Mode::kBlackhole);
  ScopedFd client(ConnectTo(proxy_->port()));
  ASSERT_GE(client.get(), 0);
  ASSERT_TRUE(SendAll(client.get(), "x"));
  EXPECT_EQ(RecvExactly(client.get(), 1, kQuiet).outcome, Received::kTimeout);
  EXPECT_EQ(proxy_->connections_accepted(), 1);
  EXPECT_EQ(echo_->connections(), 0);

  proxy_->SetMode(FaultProxy::Mode::kPass);
  ExpectEcho(client.get(), "y");
  EXPECT_EQ(echo_->connections(), 1);
}

TEST_F(FaultProxyTest, ResetAbortsBlockedReceiveAndNewConnections) {
  ScopedFd client(ConnectTo(proxy_->port()));
  ASSERT_GE(client.get(), 0);
  ExpectEcho(client.get(), "ping");

  ssize_t result = 1;
  int error = 0;
  absl::Duration blocked_for;
  std::thread receiver([&] {
    const absl::Time start = absl::Now();
    char byte;
    result = recv(client.get(), &byte, 1, 0);  // blocks until the reset
    error = errno;
    blocked_for = absl::Now() - start;
  });
  absl::SleepFor(absl::Milliseconds(50));
  const absl::Time reset_at = absl::Now();
  proxy_->SetMode(FaultProxy::Mode::kReset);
  receiver.join();
  EXPECT_EQ(result, -1);
  EXPECT_EQ(error, ECONNRESET);  // an RST, not a FIN
  EXPECT_GE(blocked_for, absl::Milliseconds(40));
  EXPECT_LT(absl::Now() - reset_at, absl::Milliseconds(500));

  ScopedFd late(ConnectTo(proxy_->port()));
  ASSERT_GE(late.get(), 0);  // the kernel completes the handshake
  ExpectClosed(late.get(), absl::Milliseconds(500));
  EXPECT_EQ(proxy_->connections_accepted(), 2);
}

TEST_F(FaultProxyTest, ResetAllAbortsOnlyExistingConnections) {
  ScopedFd first(ConnectTo(proxy_->port()));
  ScopedFd second(ConnectTo(proxy_->port()));
  ASSERT_GE(first.get(), 0);
  ASSERT_GE(second.get(), 0);
  ExpectEcho(first.get(), "one");
  ExpectEcho(second.get(), "two");

  proxy_->ResetAll();
  ExpectClosed(first.get(), absl::Milliseconds(500));
  ExpectClosed(second.get(), absl::Milliseconds(500));

  ScopedFd third(ConnectTo(proxy_->port()));
  ASSERT_GE(third.get(), 0);
  ExpectEcho(third.get(), "three");
}

TEST_F(FaultProxyTest, DelayAddsLatencyPerChunk) {
  constexpr absl::Duration kDelay = absl::Milliseconds(100);
  ScopedFd client(ConnectTo(proxy_->port()));
  ASSERT_GE(client.get(), 0);
  ExpectEcho(client.get(), "warm");

  proxy_->SetDelay(kDelay);
  proxy_->SetMode(FaultProxy::Mode::kDelay);
  const absl::Time start = absl::Now();
  ExpectEcho(client.get(), "slow");
  // One chunk each way, each held back by the delay.
  EXPECT_GE(absl::Now() - start, 2 * kDelay);

  proxy_->SetMode(FaultProxy::Mode::kPass);
  const absl::Time fast_start = absl::Now();
  ExpectEcho(client.get(), "fast");
  EXPECT_LT(absl::Now() - fast_start, kDelay);
}

TEST_F(FaultProxyTest, SetTargetRedirectsNewConnectionsOnly) {
  std::unique_ptr<EchoServer> other = EchoServer::Start();
  ASSERT_NE(other, nullptr);
  ScopedFd old_client(ConnectTo(proxy_->port()));
  ASSERT_GE(old_client.get(), 0);
  ExpectEcho(old_client.get(), "old");

  proxy_->SetTarget("127.0.0.1", other->port());
  ScopedFd new_client(ConnectTo(proxy_->port()));
  ASSERT_GE(new_client.get(), 0);
  ExpectEcho(new_client.get(), "new");
  ExpectEcho(old_client.get(), "still old");
  EXPECT_EQ(echo_->connections(), 1);
  EXPECT_EQ(other->connections(), 1);
}

TEST_F(FaultProxyTest, UnreachableTargetClosesClient) {
  // A port that nothing listens on: bound, never listened, then released.
  int free_port;
  {
    ScopedFd probe(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address = Loopback(0);
    socklen_t length = sizeof(address);
    ASSERT_EQ(bind(probe.get(), reinterpret_cast<sockaddr*>(&address),
                   sizeof(address)),
              0);
    ASSERT_EQ(getsockname(probe.get(), reinterpret_cast<sockaddr*>(&address),
                          &length),
              0);
    free_port = ntohs(address.sin_port);
  }
  proxy_->SetTarget("127.0.0.1", free_port);
  ScopedFd client(ConnectTo(proxy_->port()));
  ASSERT_GE(client.get(), 0);
  ExpectClosed(client.get());

  // A non-loopback target is never contacted: treated as unreachable.
  proxy_->SetTarget("192.0.2.1", echo_->port());
  ScopedFd other(ConnectTo(proxy_->port()));
  ASSERT_GE(other.get(), 0);
  ExpectClosed(other.get());
}

TEST(FaultProxyStartTest, RejectsTargetsOffLoopback) {
  for (const auto& [host, port] :
       std::vector<std::pair<std::string, int>>{{"10.0.0.1", 80},
                                                {"example.com", 80},
                                                {"0.0.0.0", 80},
                                                {"127.0.0.1", 0},
                                                {"127.0.0.1", 65536}}) {
    EXPECT_EQ(FaultProxy::Start(host, port).status().code(),
              absl::StatusCode::kInvalidArgument)
        << host << ":" << port;
  }
}

TEST(FaultProxyStopTest, DestructorClosesConnectionsAndJoinsThreadsQuickly) {
  const size_t fds_before = CountEntries("/proc/self/fd");
  const size_t threads_before = CountEntries("/proc/self/task");
  {
    std::unique_ptr<EchoServer> echo = EchoServer::Start();
    ASSERT_NE(echo, nullptr);
    absl::StatusOr<std::unique_ptr<FaultProxy>> started =
        FaultProxy::Start("localhost", echo->port());
    ASSERT_TRUE(started.ok()) << started.status();
    std::unique_ptr<FaultProxy> proxy = *std::move(started);

    // One connection forwarding with data held back by a long delay, one
    // accepted during a blackhole, one idle.
    ScopedFd delayed(ConnectTo(proxy->port()));
    ScopedFd idle(ConnectTo(proxy->port()));
    ASSERT_GE(delayed.get(), 0);
    ASSERT_GE(idle.get(), 0);
    ExpectEcho(delayed.get(), "up");
    proxy->SetMode(FaultProxy::Mode::kBlackhole);
    ScopedFd blackholed(ConnectTo(proxy->port()));
    ASSERT_GE(blackholed.get(), 0);
    ASSERT_TRUE(Eventually([&] { return proxy->connections_accepted() == 3; }));
    proxy->SetDelay(absl::Seconds(30));
    proxy->SetMode(FaultProxy::Mode::kDelay);
    ASSERT_TRUE(SendAll(delayed.get(), "held"));
    absl::SleepFor(absl::Milliseconds(50));

    const absl::Time start = absl::Now();
    proxy.reset();
    EXPECT_LT(absl::Now() - start, absl::Seconds(1));
    ExpectClosed(delayed.get(), absl::Milliseconds(200));
    ExpectClosed(idle.get(), absl::Milliseconds(200));
    ExpectClosed(blackholed.get(), absl::Milliseconds(200));
  }
  // Every socket and thread of the proxy (and of the echo server) is gone.
  EXPECT_EQ(CountEntries("/proc/self/fd"), fds_before);
  EXPECT_EQ(CountEntries("/proc/self/task"), threads_before);
}

}  // namespace
}  // namespace outpost::testing
