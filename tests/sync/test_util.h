// Shared helpers for sync tests: a temp directory, a schema exercising every
// merge policy, and a store opener.
#ifndef OUTPOST_TESTS_SYNC_TEST_UTIL_H_
#define OUTPOST_TESTS_SYNC_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <tuple>

#include "sync/session.h"
#include "sync/store.h"

namespace outpost::sync::testing {

class TempDir {
 public:
  TempDir() {
    std::string templ =
        (std::filesystem::temp_directory_path() / "outpost-XXXXXX").string();
    path_ = mkdtemp(templ.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// residents (register), passages (append_only), supplies (ledger),
// requests (state_machine).
inline Schema TestSchema() {
  Schema schema;
  TableDef residents;
  residents.name = "residents";
  residents.policy = MergePolicy::kRegister;
  residents.fields = {{"name", FieldType::kText},
                      {"phone", FieldType::kText},
                      {"control", FieldType::kText},
                      {"age", FieldType::kInt}};
  EXPECT_TRUE(schema.AddTable(residents).ok());
  TableDef passages;
  passages.name = "passages";
  passages.policy = MergePolicy::kAppendOnly;
  passages.fields = {{"checkpoint", FieldType::kText},
                     {"resident", FieldType::kText},
                     {"temp", FieldType::kReal},
                     {"direction", FieldType::kText}};
  EXPECT_TRUE(schema.AddTable(passages).ok());
  TableDef supplies;
  supplies.name = "supplies";
  supplies.policy = MergePolicy::kLedger;
  supplies.fields = {{"item", FieldType::kText},
                     {"location", FieldType::kText},
                     {"qty", FieldType::kInt}};
  supplies.amount_field = "qty";
  supplies.key_fields = {"item", "location"};
  EXPECT_TRUE(schema.AddTable(supplies).ok());
  TableDef requests;
  requests.name = "requests";
  requests.policy = MergePolicy::kStateMachine;
  requests.fields = {
      {"status", FieldType::kText, {"requested", "accepted", "delivered"}},
      {"note", FieldType::kText}};
  EXPECT_TRUE(schema.AddTable(requests).ok());
  return schema;
}

inline std::unique_ptr<Store> OpenStore(const std::string& path,
                                        const std::string& node,
                                        ScopeSet scopes = ScopeSet::All(),
                                        PhysicalClock* clock = nullptr,
                                        const std::string& replica_id = "") {
  StoreOptions options;
  options.replica_id = replica_id;
  options.path = path;
  options.node_id = node;
  options.scopes = std::move(scopes);
  options.schema = TestSchema();
  options.synchronous_full = false;  // tests: crash safety, not power loss
  if (clock != nullptr) options.clock = clock;
  auto store = Store::Open(std::move(options));
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// Passes messages between two sessions, single-threaded, until neither side
// has anything to say. Returns the first error.
inline absl::Status Exchange(SyncSession& a, SyncSession& b,
                             int max_messages = 100000) {
  std::deque<SyncMessage> to_a, to_b;
  for (auto& m : a.Start()) to_b.push_back(m);
  for (auto& m : b.Start()) to_a.push_back(m);
  int delivered = 0;
  while ((!to_a.empty() || !to_b.empty()) && delivered < max_messages) {
    for (auto [queue, session, reply] : {std::make_tuple(&to_a, &a, &to_b),
                                         std::make_tuple(&to_b, &b, &to_a)}) {
      if (queue->empty()) continue;
      SyncMessage m = queue->front();
      queue->pop_front();
      ++delivered;
      auto out = session->Handle(m);
      if (!out.ok()) return out.status();
      for (auto& r : *out) reply->push_back(r);
    }
  }
  return absl::OkStatus();
}

}  // namespace outpost::sync::testing

#endif  // OUTPOST_TESTS_SYNC_TEST_UTIL_H_
