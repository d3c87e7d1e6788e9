#include "sync/schema.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace outpost::sync {

const char* FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kInt:
      return "int";
    case FieldType::kReal:
      return "real";
    case FieldType::kText:
      return "text";
    case FieldType::kBytes:
      return "bytes";
    case FieldType::kBool:
      return "bool";
  }
  return "?";
}

const char* MergePolicyName(MergePolicy policy) {
  switch (policy) {
    case MergePolicy::kRegister:
      return "register";
    case MergePolicy::kAppendOnly:
      return "append_only";
    case MergePolicy::kLedger:
      return "ledger";
    case MergePolicy::kStateMachine:
      return "state_machine";
  }
  return "?";
}

std::string QuoteId(absl::string_view name) {
  return absl::StrCat("\"", name, "\"");
}

const FieldDef* TableDef::field(absl::string_view name) const {
  for (const FieldDef& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

int TableDef::StateRank(const FieldDef& f, absl::string_view state) const {
  for (size_t i = 0; i < f.states.size(); ++i) {
    if (f.states[i] == state) return static_cast<int>(i);
  }
  return -1;
}

namespace {
// Names become (quoted) SQL identifiers; sqlite_ names are SQLite's own.
bool IsIdentifier(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (absl::StartsWith(name, "sqlite_")) return false;
  if (!absl::ascii_islower(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_';
  });
}
}  // namespace

Schema::Schema() {
  TableDef resolutions;
  resolutions.name = kResolutionsTable;
  resolutions.policy = MergePolicy::kAppendOnly;
  resolutions.fields = {
      {"conflict_id", FieldType::kText}, {"target_table", FieldType::kText},
      {"target_row", FieldType::kText},  {"field", FieldType::kText},
      {"kind", FieldType::kText},        {"chosen", FieldType::kText},
      {"reason", FieldType::kText},      {"author", FieldType::kText},
      {"at_ms", FieldType::kInt}};
  absl::Status status = AddTable(std::move(resolutions));
  (void)status;  // built-in, known valid
}

absl::Status Schema::AddTable(TableDef table) {
  if (!IsIdentifier(table.name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("table name \"", table.name,
                     "\" must be lower-case letters, digits and _ (starting "
                     "with a letter)"));
  }
  if (index_.count(table.name)) {
    return absl::AlreadyExistsError(
        absl::StrCat("table ", table.name, " is declared twice"));
  }
  std::vector<std::string> seen;
  for (const FieldDef& f : table.fields) {
    if (!IsIdentifier(f.name) || f.name == "id" || f.name == "scope") {
      return absl::InvalidArgumentError(absl::StrCat("table ", table.name,
                                                     ": field name \"", f.name,
                                                     "\" is not allowed"));
    }
    if (std::find(seen.begin(), seen.end(), f.name) != seen.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "table ", table.name, ": field ", f.name, " is declared twice"));
    }
    seen.push_back(f.name);
    if (!f.states.empty() && (table.policy != MergePolicy::kStateMachine ||
                              f.type != FieldType::kText)) {
      return absl::InvalidArgumentError(
          absl::StrCat("table ", table.name, ": field ", f.name,
                       " has states but is not a text field of a "
                       "state_machine table"));
    }
  }
  if (table.policy == MergePolicy::kStateMachine &&
      std::none_of(table.fields.begin(), table.fields.end(),
                   [](const FieldDef& f) { return !f.states.empty(); })) {
    return absl::InvalidArgumentError(absl::StrCat(
        "state_machine table ", table.name, " declares no field with states"));
  }
  if (table.policy == MergePolicy::kLedger) {
    const FieldDef* amount = table.field(table.amount_field);
    if (amount == nullptr ||
        (amount->type != FieldType::kInt && amount->type != FieldType::kReal)) {
      return absl::InvalidArgumentError(
          absl::StrCat("ledger table ", table.name,
                       " needs a numeric amount_field among its fields"));
    }
    for (const std::string& key : table.key_fields) {
      if (table.field(key) == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            "ledger table ", table.name, ": key field ", key, " not declared"));
      }
    }
  }
  index_.emplace(table.name, tables_.size());
  tables_.push_back(std::move(table));
  return absl::OkStatus();
}

const TableDef* Schema::table(absl::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tables_[it->second];
}

std::string Schema::Version() const {
  // Every name is length-prefixed so no two schemas share a canonical form.
  std::string canonical;
  auto add = [&canonical](absl::string_view text) {
    absl::StrAppend(&canonical, text.size(), ":", text, ";");
  };
  for (const TableDef& t : tables_) {
    add(t.name);
    add(MergePolicyName(t.policy));
    absl::StrAppend(&canonical, t.fields.size(), "{");
    for (const FieldDef& f : t.fields) {
      add(f.name);
      add(FieldTypeName(f.type));
      absl::StrAppend(&canonical, f.states.size(), "[");
      for (const std::string& state : f.states) add(state);
      absl::StrAppend(&canonical, "]");
    }
    absl::StrAppend(&canonical, "}");
    add(t.amount_field);
    absl::StrAppend(&canonical, t.key_fields.size(), "(");
    for (const std::string& k : t.key_fields) add(k);
    absl::StrAppend(&canonical, ")");
  }
  return absl::StrFormat("%016x",
                         XXH3_64bits(canonical.data(), canonical.size()));
}

absl::Status CheckValueType(const TableDef& table, const FieldDef& field,
                            const outpost::v1::Value& value) {
  using K = outpost::v1::Value::KindCase;
  K expected = K::KIND_NOT_SET;
  switch (field.type) {
    case FieldType::kInt:
      expected = K::kIntValue;
      break;
    case FieldType::kReal:
      expected = K::kRealValue;
      break;
    case FieldType::kText:
      expected = K::kTextValue;
      break;
    case FieldType::kBytes:
      expected = K::kBytesValue;
      break;
    case FieldType::kBool:
      expected = K::kBoolValue;
      break;
  }
  if (value.kind_case() != K::KIND_NOT_SET && value.kind_case() != expected) {
    return absl::InvalidArgumentError(
        absl::StrCat(table.name, ".", field.name, ": expected a ",
                     FieldTypeName(field.type), " value"));
  }
  if (value.kind_case() == K::kRealValue &&
      !std::isfinite(value.real_value())) {
    return absl::InvalidArgumentError(
        absl::StrCat(table.name, ".", field.name, ": must be a finite number"));
  }
  if (!field.states.empty() && value.kind_case() == K::kTextValue &&
      table.StateRank(field, value.text_value()) < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(table.name, ".", field.name, ": \"", value.text_value(),
                     "\" is not one of its states"));
  }
  return absl::OkStatus();
}

}  // namespace outpost::sync
