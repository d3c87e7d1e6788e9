#include "sync/store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "sync/session.h"
#include "tests/sync/test_util.h"

namespace outpost::sync {
namespace {

using ::testing::SizeIs;
using testing::OpenStore;
using testing::TempDir;

WriteRequest Resident(const std::string& id, const std::string& phone) {
  WriteRequest w;
  w.table = "residents";
  w.row_id = id;
  w.scope = "yatai";
  w.author = "tester";
  w.Set("phone", TextValue(phone));
  return w;
}

// Exchanges everything both ways between two stores over an in-memory
// transport, each side in its own thread.
void Sync(Store* a, Store* b) {
  auto [ta, tb] = InMemoryTransport::CreatePair();
  SyncSession sa(a, {}), sb(b, {});
  absl::Status status_b;
  std::thread thread_b([&] {
    status_b = RunSessionUntilIdle(sb, *tb, absl::Seconds(30));
  });
  absl::Status status_a = RunSessionUntilIdle(sa, *ta, absl::Seconds(30));
  thread_b.join();
  ASSERT_TRUE(status_a.ok()) << status_a;
  ASSERT_TRUE(status_b.ok()) << status_b;
}

TEST(StoreTest, LocalWriteIsReadableAndLogged) {
  TempDir dir;
  auto store = OpenStore(dir.File("a.db"), "a");
  auto r = store->Write(Resident("r1", "111"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->dot.origin(), "a");
  EXPECT_EQ(r->dot.seq(), 1u);
  auto values = store->ReadValues("residents", "r1");
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_EQ((*values)["phone"].text_value(), "111");
  EXPECT_EQ(store->vv().Get("a"), 1u);
  EXPECT_EQ(store->LastLsn(), 1);
}

TEST(StoreTest, ConcurrentEditsConflictThenResolve) {
  TempDir dir;
  auto a = OpenStore(dir.File("a.db"), "a");
  auto b = OpenStore(dir.File("b.db"), "b");
  ASSERT_TRUE(a->Write(Resident("r1", "111")).ok());
  Sync(a.get(), b.get());
  ASSERT_TRUE(a->Write(Resident("r1", "222")).ok());
  ASSERT_TRUE(b->Write(Resident("r1", "333")).ok());
  Sync(a.get(), b.get());
  auto ca = a->ListConflicts();
  auto cb = b->ListConflicts();
  ASSERT_TRUE(ca.ok() && cb.ok());
  ASSERT_THAT(*ca, SizeIs(1));
  ASSERT_THAT(*cb, SizeIs(1));
  EXPECT_EQ((*ca)[0].id, (*cb)[0].id);
  EXPECT_THAT((*ca)[0].values, SizeIs(2));
  Resolution res;
  res.pick = 1;
  res.reason = "called the resident";
  res.author = "op";
  ASSERT_TRUE(a->ResolveConflict((*ca)[0].id, res).ok());
  Sync(a.get(), b.get());
  EXPECT_THAT(*a->ListConflicts(), SizeIs(0));
  EXPECT_THAT(*b->ListConflicts(), SizeIs(0));
  auto da = a->Digests();
  auto db = b->Digests();
  ASSERT_EQ(da->size(), db->size());
  for (size_t i = 0; i < da->size(); ++i) {
    EXPECT_EQ((*da)[i].digest, (*db)[i].digest) << (*da)[i].table;
  }
}

}  // namespace
}  // namespace outpost::sync
