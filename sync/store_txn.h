// Internal to the Store: the per-transaction overlay of in-memory state.
// Everything a transaction changes in memory (vv, digests, lsn) is staged here
// and published only after COMMIT succeeds, so a rollback leaves memory and
// disk in agreement.
#ifndef OUTPOST_SYNC_STORE_TXN_H_
#define OUTPOST_SYNC_STORE_TXN_H_

#include <map>
#include <set>
#include <string>
#include <utility>

#include "sync/store.h"

namespace outpost::sync {

class Store::Txn {
 public:
  Txn(const VersionVector& vv, int64_t last_lsn,
      const std::map<std::pair<std::string, std::string>, DigestEntry>* base)
      : vv(vv), last_lsn(last_lsn), base_(base) {}

  void ToggleDigest(const std::string& table, const std::string& scope,
                    const Digest128& hash, int64_t rows_delta) {
    auto key = std::make_pair(table, scope);
    auto it = digests.find(key);
    if (it == digests.end()) {
      auto b = base_->find(key);
      DigestEntry e;
      if (b != base_->end()) {
        e = b->second;
      } else {
        e.table = table;
        e.scope = scope;
      }
      it = digests.emplace(key, e).first;
    }
    it->second.digest.Toggle(hash);
    it->second.rows += rows_delta;
  }
  void AdvanceVv(const std::string& origin, uint64_t seq) {
    if (vv.Advance(origin, seq)) vv_dirty.insert(origin);
  }

  VersionVector vv;
  std::set<std::string> vv_dirty;
  int64_t last_lsn;
  int64_t pending_delta = 0;
  std::map<std::pair<std::string, std::string>, DigestEntry> digests;
  std::set<std::string> ledger_tables_touched;

 private:
  const std::map<std::pair<std::string, std::string>, DigestEntry>* base_;
};

// A refusal decided before anything was written (bad input, wrong state,
// not allowed): the caller may report it (local) or quarantine the change
// (remote) and go on. Any other error abandons the transaction.
inline bool IsRefusal(const absl::Status& status) {
  return absl::IsInvalidArgument(status) ||
         absl::IsFailedPrecondition(status) || absl::IsNotFound(status) ||
         absl::IsAlreadyExists(status) || absl::IsPermissionDenied(status);
}

// Binds a Value as SQL parameter `index`.
void BindValue(Statement& st, int index, const Value& value);
// Reads column `col` as a Value of `type`.
Value ColumnValue(const Statement& st, int col, FieldType type);

}  // namespace outpost::sync

#endif  // OUTPOST_SYNC_STORE_TXN_H_
