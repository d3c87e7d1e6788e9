// The replicated schema, as data: tables, typed fields, a merge policy each.
//
//   Schema schema;
//   schema.AddTable({.name = "residents", .policy = MergePolicy::kRegister,
//                    .fields = {{"name", FieldType::kText},
//                               {"phone", FieldType::kText}}});
//
// Every table becomes a plain SQL table `name(id TEXT PRIMARY KEY, scope TEXT,
// <fields...>)` holding the current (shown) values, so reports are ordinary
// queries. Sync metadata lives beside it in `_`-prefixed tables.
//
// Policies (shared/DESIGN.md):
//   kRegister      each field is a multi-value register; concurrent different
//                  values are a conflict; shown = max (hlc, origin).
//   kAppendOnly    insert once by id; a different second insert is refused.
//   kLedger        append-only signed movements; balances are sums of
//                  `amount_field` grouped by `key_fields`; negative -> alert.
//   kStateMachine  like kRegister, but fields with `states` converge to the
//                  furthest state without conflict; a backward move needs an
//                  explicit (forced, audited) write.
#ifndef OUTPOST_SYNC_SCHEMA_H_
#define OUTPOST_SYNC_SCHEMA_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "outpost/v1/sync.pb.h"

namespace outpost::sync {

enum class FieldType { kInt, kReal, kText, kBytes, kBool };
enum class MergePolicy { kRegister, kAppendOnly, kLedger, kStateMachine };

const char* FieldTypeName(FieldType type);
const char* MergePolicyName(MergePolicy policy);

struct FieldDef {
  FieldDef() = default;
  FieldDef(std::string name, FieldType type,
           std::vector<std::string> states = {})
      : name(std::move(name)), type(type), states(std::move(states)) {}
  std::string name;
  FieldType type = FieldType::kText;
  // kStateMachine only: the ordered states of this field (text values).
  std::vector<std::string> states;
};

struct TableDef {
  std::string name;
  MergePolicy policy = MergePolicy::kRegister;
  std::vector<FieldDef> fields;
  // kLedger only.
  std::string amount_field;
  std::vector<std::string> key_fields;

  bool is_insert_only() const {
    return policy == MergePolicy::kAppendOnly || policy == MergePolicy::kLedger;
  }
  const FieldDef* field(absl::string_view name) const;
  // Rank of `state` in field's states, or -1.
  int StateRank(const FieldDef& f, absl::string_view state) const;
};

// Name of the register that marks a row deleted (bool). Register and state
// machine tables only.
inline constexpr char kDeletedField[] = "_deleted";
// The built-in append-only table of conflict resolutions.
inline constexpr char kResolutionsTable[] = "sys_resolutions";

class Schema {
 public:
  // A schema holding only the built-in tables.
  Schema();
  // Validates names (identifiers, no leading '_', unique) and policy
  // settings.
  absl::Status AddTable(TableDef table);
  const TableDef* table(absl::string_view name) const;
  const std::vector<TableDef>& tables() const { return tables_; }
  // Stable fingerprint of the schema; two nodes sync only when equal.
  std::string Version() const;

 private:
  std::vector<TableDef> tables_;
  std::map<std::string, size_t, std::less<>> index_;
};

// A validated table or field name as a quoted SQL identifier, so names that
// are SQL keywords ("from", "temp") work.
std::string QuoteId(absl::string_view name);

// Checks a value against a field's type (NULL is allowed everywhere).
absl::Status CheckValueType(const TableDef& table, const FieldDef& field,
                            const outpost::v1::Value& value);

}  // namespace outpost::sync

#endif  // OUTPOST_SYNC_SCHEMA_H_
