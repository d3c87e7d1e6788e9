// Merge rules on one row's state: pure functions, no storage.
//
// A register field holds a set of siblings (value + dot + hlc + author).
// Applying a write drops the siblings it supersedes (the ones its writer saw)
// and adds itself; concurrent writes therefore leave several siblings. The
// shown value is chosen deterministically: max (hlc, origin) for registers,
// furthest state (then max (hlc, origin)) for state fields. Because sibling
// sets converge, every replica shows the same value and lists the same
// conflicts.
#ifndef OUTPOST_SYNC_MERGE_H_
#define OUTPOST_SYNC_MERGE_H_

#include <string>
#include <vector>

#include "outpost/v1/sync.pb.h"
#include "sync/schema.h"

namespace outpost::sync {

using outpost::v1::Change;
using outpost::v1::Dot;
using outpost::v1::FieldState;
using outpost::v1::FieldWrite;
using outpost::v1::RowState;
using outpost::v1::Sibling;
using outpost::v1::Value;

bool DotLess(const Dot& a, const Dot& b);
bool DotEqual(const Dot& a, const Dot& b);
bool ValueEqual(const Value& a, const Value& b);
// A short human form: 'text', 12, 36.8, true, NULL.
std::string ValueToString(const Value& value);
Dot MakeDot(const std::string& origin, uint64_t seq);

// Field state lookup; nullptr when the field has no siblings.
const FieldState* FindField(const RowState& row, const std::string& field);

// Applies one field write of `change` to `row` (fields and siblings kept
// sorted). Idempotent: re-applying the same dot changes nothing.
void ApplyFieldWrite(const Change& change, const FieldWrite& write,
                     RowState* row);

// The sibling shown for a field, or nullptr. `def` is null for _deleted.
const Sibling* ShownSibling(const FieldDef* def, const TableDef& table,
                            const FieldState& field);

// True when the shown _deleted value is true.
bool IsDeleted(const RowState& row);

enum class ConflictKind { kValue, kDeleteVsUpdate };
const char* ConflictKindName(ConflictKind kind);

struct ConflictInfo {
  std::string id;  // same on every replica: hash of (table,row,field,dots)
  ConflictKind kind = ConflictKind::kValue;
  std::string field;      // for kDeleteVsUpdate: "_deleted"
  std::vector<Dot> dots;  // competing siblings, sorted
};

// Every conflict the row shows now: a register field with siblings of
// different values; a deleted row with a field sibling the delete had not
// seen. State fields never conflict.
std::vector<ConflictInfo> DeriveConflicts(const TableDef& table,
                                          const RowState& row);

}  // namespace outpost::sync

#endif  // OUTPOST_SYNC_MERGE_H_
