#include "sync/clock.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace outpost::sync {
namespace {
class RealClock : public PhysicalClock {
 public:
  int64_t NowMs() override { return absl::ToUnixMillis(absl::Now()); }
};
}  // namespace

PhysicalClock* PhysicalClock::Real() {
  static RealClock* clock = new RealClock();
  return clock;
}

int64_t FakeClock::NowMs() {
  absl::MutexLock lock(&mu_);
  return now_ms_;
}
void FakeClock::Set(int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  now_ms_ = now_ms;
}
void FakeClock::Advance(int64_t delta_ms) {
  absl::MutexLock lock(&mu_);
  now_ms_ += delta_ms;
}

uint64_t HybridClock::Now() {
  const uint64_t physical = static_cast<uint64_t>(physical_->NowMs())
                            << kHlcCounterBits;
  absl::MutexLock lock(&mu_);
  last_ = std::max(physical, last_ + 1);
  return last_;
}

bool HybridClock::Observe(uint64_t remote) {
  const int64_t now_ms = physical_->NowMs();
  absl::MutexLock lock(&mu_);
  last_ = std::max(last_, remote);
  if (HlcPhysicalMs(remote) - now_ms > max_skew_ms_) {
    ++skew_warnings_;
    return true;
  }
  return false;
}

void HybridClock::Restore(uint64_t last) {
  absl::MutexLock lock(&mu_);
  last_ = std::max(last_, last);
}

uint64_t HybridClock::last() const {
  absl::MutexLock lock(&mu_);
  return last_;
}

int64_t HybridClock::skew_warnings() const {
  absl::MutexLock lock(&mu_);
  return skew_warnings_;
}

}  // namespace outpost::sync
