#include "sync/clock.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace outpost::sync {
namespace {

constexpr int64_t kStartMs = 1'700'000'000'000;

uint64_t Hlc(int64_t physical_ms, uint64_t counter = 0) {
  return (static_cast<uint64_t>(physical_ms) << kHlcCounterBits) | counter;
}

TEST(FakeClockTest, SetAndAdvance) {
  FakeClock fake(kStartMs);
  EXPECT_EQ(fake.NowMs(), kStartMs);
  fake.Advance(250);
  EXPECT_EQ(fake.NowMs(), kStartMs + 250);
  fake.Set(42);
  EXPECT_EQ(fake.NowMs(), 42);
}

TEST(HlcTest, PhysicalMsStripsCounter) {
  EXPECT_EQ(HlcPhysicalMs(Hlc(kStartMs)), kStartMs);
  EXPECT_EQ(HlcPhysicalMs(Hlc(kStartMs, 0xffff)), kStartMs);
  EXPECT_EQ(HlcPhysicalMs(Hlc(kStartMs, 0xffff) + 1), kStartMs + 1);
  EXPECT_EQ(HlcPhysicalMs(0), 0);
}

TEST(HybridClockTest, NowFollowsPhysicalTime) {
  FakeClock fake(kStartMs);
  HybridClock clock(&fake);
  EXPECT_EQ(clock.Now(), Hlc(kStartMs));
  fake.Advance(10);
  EXPECT_EQ(clock.Now(), Hlc(kStartMs + 10));
  EXPECT_EQ(clock.last(), Hlc(kStartMs + 10));
}

TEST(HybridClockTest, NowStrictlyIncreasesWhenTimeStandsStill) {
  FakeClock fake(kStartMs);
  HybridClock clock(&fake);
  uint64_t previous = clock.Now();
  for (int i = 0; i < 1000; ++i) {
    const uint64_t next = clock.Now();
    ASSERT_GT(next, previous) << "iteration " << i;
    previous = next;
  }
  // The counter absorbed the calls; the physical part did not run ahead.
  EXPECT_EQ(HlcPhysicalMs(previous), kStartMs);
  EXPECT_EQ(previous, Hlc(kStartMs, 1000));
}

TEST(HybridClockTest, NowStrictlyIncreasesWhenTimeGoesBack) {
  FakeClock fake(kStartMs);
  HybridClock clock(&fake);
  const uint64_t before = clock.Now();
  fake.Set(kStartMs - 60'000);  // NTP step backwards by a minute
  const uint64_t after = clock.Now();
  EXPECT_GT(after, before);
  EXPECT_EQ(HlcPhysicalMs(after), kStartMs);
  EXPECT_GT(clock.Now(), after);
  // Once physical time passes the old high-water mark, it takes over again.
  fake.Set(kStartMs + 5);
  EXPECT_EQ(clock.Now(), Hlc(kStartMs + 5));
}

TEST(HybridClockTest, ObserveRemoteAheadMovesClockPastIt) {
  FakeClock fake(kStartMs);
  HybridClock clock(&fake, /*max_ahead_ms=*/60'000);
  clock.Now();
  const uint64_t remote = Hlc(kStartMs + 1'000, 7);
  EXPECT_TRUE(clock.Observe(remote));
  EXPECT_GE(clock.last(), remote);
  const uint64_t next = clock.Now();
  EXPECT_GT(next, remote);
  EXPECT_EQ(HlcPhysicalMs(next), kStartMs + 1'000);
  EXPECT_EQ(clock.skew_warnings(), 0);
}

TEST(HybridClockTest, ObserveRemoteBehindChangesNothing) {
  FakeClock fake(kStartMs);
  HybridClock clock(&fake);
  const uint64_t now = clock.Now();
  EXPECT_TRUE(clock.Observe(Hlc(kStartMs - 5'000)));
  EXPECT_EQ(clock.last(), now);
  EXPECT_EQ(clock.Now(), now + 1);
  EXPECT_EQ(clock.skew_warnings(), 0);
}

TEST(HybridClockTest, ARemoteTimestampBeyondTheBoundNeverMovesTheClock) {
  FakeClock fake(kStartMs);
  HybridClock clock(&fake, /*max_ahead_ms=*/1'000);
  // Exactly at the limit: observed.
  EXPECT_EQ(clock.ExcessMs(Hlc(kStartMs + 1'000, 3)), 0);
  EXPECT_TRUE(clock.Observe(Hlc(kStartMs + 1'000, 3)));
  const uint64_t at_limit = clock.last();
  // One millisecond beyond, or the largest value there is: refused.
  EXPECT_EQ(clock.ExcessMs(Hlc(kStartMs + 1'001)), 1);
  EXPECT_FALSE(clock.Observe(Hlc(kStartMs + 1'001)));
  EXPECT_GT(clock.ExcessMs(std::numeric_limits<uint64_t>::max()), 0);
  EXPECT_FALSE(clock.Observe(std::numeric_limits<uint64_t>::max()));
  EXPECT_EQ(clock.last(), at_limit);
  EXPECT_EQ(clock.skew_warnings(), 2);
  EXPECT_GT(clock.Now(), at_limit);
  // Once physical time catches up, the same value may be observed.
  fake.Set(kStartMs + 30'000);
  EXPECT_TRUE(clock.Observe(Hlc(kStartMs + 1'001)));
  EXPECT_TRUE(clock.Observe(Hlc(kStartMs + 30'500)));
  EXPECT_EQ(HlcPhysicalMs(clock.Now()), kStartMs + 30'500);
}

TEST(HybridClockTest, RestoreIgnoresAPoisonedValueFromBeforeTheBound) {
  FakeClock fake(kStartMs);
  HybridClock clock(&fake);
  const uint64_t century = Hlc(kStartMs + int64_t{100} * 365 * 86'400'000);
  EXPECT_FALSE(clock.Restore(century));
  EXPECT_LT(clock.Now(), century);
  EXPECT_EQ(HlcPhysicalMs(clock.Now()), kStartMs);
}

TEST(HybridClockTest, RestoreKeepsMonotonicAcrossRestart) {
  FakeClock fake(kStartMs);
  uint64_t persisted = 0;
  {
    HybridClock clock(&fake);
    clock.Now();
    persisted = clock.Now();
  }
  // Restarted with the wall clock set back an hour.
  fake.Set(kStartMs - 3'600'000);
  HybridClock clock(&fake);
  clock.Restore(persisted);
  EXPECT_EQ(clock.last(), persisted);
  EXPECT_GT(clock.Now(), persisted);
}

TEST(HybridClockTest, RestoreNeverMovesBackwards) {
  FakeClock fake(kStartMs);
  HybridClock clock(&fake);
  const uint64_t now = clock.Now();
  clock.Restore(Hlc(kStartMs - 10'000));
  EXPECT_EQ(clock.last(), now);
  EXPECT_GT(clock.Now(), now);
}

TEST(HybridClockTest, RealClockIsNearSystemTime) {
  HybridClock clock(PhysicalClock::Real());
  const uint64_t a = clock.Now();
  const uint64_t b = clock.Now();
  EXPECT_GT(b, a);
  // After 2020-01-01 and before 2100-01-01.
  EXPECT_GT(HlcPhysicalMs(a), 1'577'836'800'000);
  EXPECT_LT(HlcPhysicalMs(a), 4'102'444'800'000);
}

}  // namespace
}  // namespace outpost::sync
