// Hybrid logical clock (HLC): (physical ms << 16) | counter.
//
// Orders values for display and picks the shown sibling; it never decides what
// is lost. A remote clock far ahead of ours is accepted (our clock jumps to it
// so causality holds) but counted and logged as clock skew.
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
  // `max_skew_ms`: a remote hlc further ahead of our physical time than this
  // counts as a skew warning.
  explicit HybridClock(PhysicalClock* physical, int64_t max_skew_ms = 60'000)
      : physical_(physical), max_skew_ms_(max_skew_ms) {}

  // A fresh timestamp, greater than every one returned or observed before.
  uint64_t Now();
  // Observes a remote timestamp (receiving a change). Returns true when it is
  // beyond the skew limit (the caller logs it).
  bool Observe(uint64_t remote);
  // Restores the last value after a restart so timestamps stay monotonic even
  // if the wall clock went back.
  void Restore(uint64_t last);
  uint64_t last() const;
  int64_t skew_warnings() const;

 private:
  PhysicalClock* const physical_;
  const int64_t max_skew_ms_;
  mutable absl::Mutex mu_;
  uint64_t last_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t skew_warnings_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace outpost::sync

#endif  // OUTPOST_SYNC_CLOCK_H_
