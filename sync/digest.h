// Digests: per (table, scope), the XOR of a 128-bit hash (XXH3) of each row's
// canonical state. XOR makes the digest incremental (remove old hash, add new)
// and order-independent, so equal state means equal digests on every replica.
//
// Canonical row state: for register/state_machine tables the serialized
// RowState (fields and siblings sorted, see sync.proto); for insert-only
// tables see HashInsertOnlyRow.
#ifndef OUTPOST_SYNC_DIGEST_H_
#define OUTPOST_SYNC_DIGEST_H_

#include <cstdint>
#include <string>

#include "outpost/v1/sync.pb.h"

namespace outpost::sync {

struct Digest128 {
  uint64_t lo = 0;
  uint64_t hi = 0;
  void Toggle(const Digest128& h) {
    lo ^= h.lo;
    hi ^= h.hi;
  }
  bool operator==(const Digest128& o) const { return lo == o.lo && hi == o.hi; }
  bool operator!=(const Digest128& o) const { return !(*this == o); }
  bool zero() const { return lo == 0 && hi == 0; }
  std::string Hex() const;
};

Digest128 HashBytes(const std::string& bytes);
// Hash of a register/state row; a row with no fields hashes to zero (absent).
Digest128 HashRowState(const outpost::v1::RowState& row);
// Hash of the insert-only row written by `change`: its table, id, scope and
// non-NULL field values, each length-prefixed, in field order; not the dot,
// so the same row inserted by two nodes hashes alike. Allocation-free (this
// is on the catch-up path).
Digest128 HashInsertOnlyRow(const outpost::v1::Change& change);

}  // namespace outpost::sync

#endif  // OUTPOST_SYNC_DIGEST_H_
