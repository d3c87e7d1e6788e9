// Hybrid logical clock (HLC): (physical ms << 16) | counter.
//
// Orders values for display and picks the shown sibling; it never decides what
// is lost. A remote timestamp is observed (our clock moves up to it, so
// causality holds) only when it is at most `max_ahead_ms` ahead of our
// physical time: one change from a PC whose clock says 2126 must not date
// every later row 2126. Further ahead, Observe refuses it and the caller
// holds the change until time catches up.
//
// Thread-safety: HybridClock is internally synchronized.
#ifndef OUTPOST_SYNC_CLOCK_H_
#define OUTPOST_SYNC_CLOCK_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace outpost::sync {

// Source of physical time; a seam so tests can run on a fake clock.
class PhysicalClock {
 public:
  virtual ~PhysicalClock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMs() = 0;
  // The process-wide real clock.
  static PhysicalClock* Real();
};

// A manually advanced clock for tests.
class FakeClock : public PhysicalClock {
 public:
  explicit FakeClock(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t NowMs() override;
  void Set(int64_t now_ms);
  void Advance(int64_t delta_ms);

 private:
  absl::Mutex mu_;
  int64_t now_ms_ ABSL_GUARDED_BY(mu_);
};

constexpr int kHlcCounterBits = 16;
inline int64_t HlcPhysicalMs(uint64_t hlc) {
  return static_cast<int64_t>(hlc >> kHlcCounterBits);
}

class HybridClock {
 public:
  static constexpr int64_t kDefaultMaxAheadMs = 5 * 60 * 1000;

  // `max_ahead_ms`: how far ahead of our physical time a remote timestamp
  // may be and still be observed.
  explicit HybridClock(PhysicalClock* physical,
                       int64_t max_ahead_ms = kDefaultMaxAheadMs)
      : physical_(physical), max_ahead_ms_(max_ahead_ms) {}

  // A fresh timestamp, greater than every one returned or observed before.
  uint64_t Now();
  // Milliseconds `remote` is beyond the limit (0 when it may be observed).
  int64_t ExcessMs(uint64_t remote) const;
  // Observes a remote timestamp (a change being applied). False, counted
  // as a skew refusal and without moving the clock, when ExcessMs > 0.
  bool Observe(uint64_t remote);
  // Restores the last value after a restart so timestamps stay monotonic even
  // if the wall clock went back. False (ignored) when it is more than a day
  // beyond the limit: a value persisted before clocks were bounded.
  bool Restore(uint64_t last);
  uint64_t last() const;
  int64_t max_ahead_ms() const { return max_ahead_ms_; }
  // Remote timestamps refused for being too far ahead.
  int64_t skew_warnings() const;
  void CountSkewWarning();

 private:
  PhysicalClock* const physical_;
  const int64_t max_ahead_ms_;
  mutable absl::Mutex mu_;
  uint64_t last_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t skew_warnings_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace outpost::sync

#endif  // OUTPOST_SYNC_CLOCK_H_
