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

int64_t HybridClock::ExcessMs(uint64_t remote) const {
  // Both sides fit in int64: physical ms are < 2^47 until the year 6429, and
  // HlcPhysicalMs of any uint64 is < 2^48.
  const int64_t limit = physical_->NowMs() + max_ahead_ms_;
  return std::max<int64_t>(0, HlcPhysicalMs(remote) - limit);
}

bool HybridClock::Observe(uint64_t remote) {
  if (ExcessMs(remote) > 0) {
    absl::MutexLock lock(&mu_);
    ++skew_warnings_;
    return false;
  }
  absl::MutexLock lock(&mu_);
  last_ = std::max(last_, remote);
  return true;
}

bool HybridClock::Restore(uint64_t last) {
  // Our own last timestamp may be ahead of a wall clock that stepped back
  // (it observed others up to max_ahead_ms ahead): keep it, for monotonic
  // timestamps, unless it is far beyond anything bounded clocks produce.
  constexpr int64_t kDayMs = 24 * 3600 * 1000;
  if (HlcPhysicalMs(last) > physical_->NowMs() + max_ahead_ms_ + kDayMs) {
    return false;
  }
  absl::MutexLock lock(&mu_);
  last_ = std::max(last_, last);
  return true;
}

uint64_t HybridClock::last() const {
  absl::MutexLock lock(&mu_);
  return last_;
}

void HybridClock::CountSkewWarning() {
  absl::MutexLock lock(&mu_);
  ++skew_warnings_;
}

int64_t HybridClock::skew_warnings() const {
  absl::MutexLock lock(&mu_);
  return skew_warnings_;
}

}  // namespace outpost::sync
