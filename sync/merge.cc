#include "sync/merge.h"

#include <xxhash.h>

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace outpost::sync {

bool DotLess(const Dot& a, const Dot& b) {
  if (a.origin() != b.origin()) return a.origin() < b.origin();
  return a.seq() < b.seq();
}
bool DotEqual(const Dot& a, const Dot& b) {
  return a.seq() == b.seq() && a.origin() == b.origin();
}

Dot MakeDot(const std::string& origin, uint64_t seq) {
  Dot dot;
  dot.set_origin(origin);
  dot.set_seq(seq);
  return dot;
}

bool ValueEqual(const Value& a, const Value& b) {
  if (a.kind_case() != b.kind_case()) return false;
  switch (a.kind_case()) {
    case Value::kIntValue:
      return a.int_value() == b.int_value();
    case Value::kRealValue:
      return a.real_value() == b.real_value();
    case Value::kTextValue:
      return a.text_value() == b.text_value();
    case Value::kBytesValue:
      return a.bytes_value() == b.bytes_value();
    case Value::kBoolValue:
      return a.bool_value() == b.bool_value();
    case Value::KIND_NOT_SET:
      return true;
  }
  return false;
}

std::string ValueToString(const Value& value) {
  switch (value.kind_case()) {
    case Value::kIntValue:
      return absl::StrCat(value.int_value());
    case Value::kRealValue:
      return absl::StrCat(value.real_value());
    case Value::kTextValue:
      return absl::StrCat("'", value.text_value(), "'");
    case Value::kBytesValue:
      return absl::StrCat("<", value.bytes_value().size(), " bytes>");
    case Value::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case Value::KIND_NOT_SET:
      return "NULL";
  }
  return "?";
}

const FieldState* FindField(const RowState& row, const std::string& field) {
  auto it = std::lower_bound(row.fields().begin(), row.fields().end(), field,
                             [](const FieldState& f, const std::string& name) {
                               return f.field() < name;
                             });
  if (it == row.fields().end() || it->field() != field) return nullptr;
  return &*it;
}

namespace {
bool Contains(const google::protobuf::RepeatedPtrField<Dot>& dots,
              const Dot& dot) {
  for (const Dot& d : dots) {
    if (DotEqual(d, dot)) return true;
  }
  return false;
}

FieldState* FindOrAddField(RowState* row, const std::string& field) {
  auto* fields = row->mutable_fields();
  int pos = 0;
  while (pos < fields->size() && fields->Get(pos).field() < field) ++pos;
  if (pos < fields->size() && fields->Get(pos).field() == field) {
    return fields->Mutable(pos);
  }
  FieldState* added = fields->Add();
  added->set_field(field);
  for (int i = fields->size() - 1; i > pos; --i) fields->SwapElements(i, i - 1);
  return fields->Mutable(pos);
}

// Register order for the shown sibling: (hlc, origin), then seq.
bool RegisterLess(const Sibling& a, const Sibling& b) {
  return std::make_tuple(a.hlc(), a.dot().origin(), a.dot().seq()) <
         std::make_tuple(b.hlc(), b.dot().origin(), b.dot().seq());
}
}  // namespace

void ApplyFieldWrite(const Change& change, const FieldWrite& write,
                     RowState* row) {
  FieldState* field = FindOrAddField(row, write.field());
  auto* siblings = field->mutable_siblings();
  for (const Sibling& s : *siblings) {
    if (DotEqual(s.dot(), change.dot())) return;  // already applied
  }
  // Drop superseded siblings, preserving order.
  int kept = 0;
  for (int i = 0; i < siblings->size(); ++i) {
    if (!Contains(write.supersedes(), siblings->Get(i).dot())) {
      if (kept != i) siblings->SwapElements(kept, i);
      ++kept;
    }
  }
  while (siblings->size() > kept) siblings->RemoveLast();
  // Insert the new sibling at its sorted place.
  Sibling* added = siblings->Add();
  *added->mutable_dot() = change.dot();
  added->set_hlc(change.hlc());
  *added->mutable_value() = write.value();
  added->set_author(change.author());
  *added->mutable_context() = write.context();
  for (int i = siblings->size() - 1;
       i > 0 && DotLess(siblings->Get(i).dot(), siblings->Get(i - 1).dot());
       --i) {
    siblings->SwapElements(i, i - 1);
  }
  // A field left with no sibling is omitted (canonical form).
  if (siblings->empty()) {
    auto* fields = row->mutable_fields();
    for (int i = 0; i < fields->size(); ++i) {
      if (fields->Get(i).field() == write.field()) {
        fields->DeleteSubrange(i, 1);
        break;
      }
    }
  }
}

const Sibling* ShownSibling(const FieldDef* def, const TableDef& table,
                            const FieldState& field) {
  const Sibling* best = nullptr;
  const bool state_field = def != nullptr && !def->states.empty();
  for (const Sibling& s : field.siblings()) {
    if (best == nullptr) {
      best = &s;
      continue;
    }
    if (state_field) {
      const int rs = table.StateRank(*def, s.value().text_value());
      const int rb = table.StateRank(*def, best->value().text_value());
      if (rs != rb) {
        if (rs > rb) best = &s;
        continue;
      }
    }
    if (RegisterLess(*best, s)) best = &s;
  }
  return best;
}

bool IsDeleted(const RowState& row) {
  const FieldState* deleted = FindField(row, kDeletedField);
  if (deleted == nullptr) return false;
  TableDef none;
  const Sibling* shown = ShownSibling(nullptr, none, *deleted);
  return shown != nullptr && shown->value().bool_value();
}

const char* ConflictKindName(ConflictKind kind) {
  return kind == ConflictKind::kValue ? "VALUE" : "DELETE_VS_UPDATE";
}

namespace {
std::string ConflictId(const std::string& table, const RowState& row,
                       const std::string& field, ConflictKind kind,
                       const std::vector<Dot>& dots) {
  std::string key = absl::StrCat(table, "\x1f", row.row_id(), "\x1f", field,
                                 "\x1f", ConflictKindName(kind));
  for (const Dot& d : dots)
    absl::StrAppend(&key, "\x1f", d.origin(), ":", d.seq());
  const XXH128_hash_t h = XXH3_128bits(key.data(), key.size());
  return absl::StrFormat("c%016x%08x", h.high64, h.low64 >> 32);
}
}  // namespace

std::vector<ConflictInfo> DeriveConflicts(const TableDef& table,
                                          const RowState& row) {
  std::vector<ConflictInfo> out;
  if (table.is_insert_only()) return out;
  const FieldState* deleted = FindField(row, kDeletedField);
  std::vector<Dot> delete_dots;
  google::protobuf::RepeatedPtrField<Dot> delete_context;
  if (deleted != nullptr && IsDeleted(row)) {
    for (const Sibling& s : deleted->siblings()) {
      if (!s.value().bool_value()) continue;
      delete_dots.push_back(s.dot());
      for (const Dot& d : s.context()) *delete_context.Add() = d;
    }
  }
  std::vector<Dot> concurrent_edits;
  for (const FieldState& field : row.fields()) {
    const FieldDef* def = table.field(field.field());
    const bool state_field = def != nullptr && !def->states.empty();
    if (!state_field && field.siblings_size() > 1) {
      bool differ = false;
      for (const Sibling& s : field.siblings()) {
        if (!ValueEqual(s.value(), field.siblings(0).value())) differ = true;
      }
      if (differ) {
        ConflictInfo c;
        c.kind = ConflictKind::kValue;
        c.field = field.field();
        for (const Sibling& s : field.siblings()) c.dots.push_back(s.dot());
        out.push_back(std::move(c));
      }
    }
    if (delete_dots.empty() || field.field() == kDeletedField) continue;
    for (const Sibling& s : field.siblings()) {
      if (!Contains(delete_context, s.dot()))
        concurrent_edits.push_back(s.dot());
    }
  }
  // One DELETE_VS_UPDATE conflict per row: the deletes plus every edit they
  // had not seen.
  if (!concurrent_edits.empty()) {
    ConflictInfo c;
    c.kind = ConflictKind::kDeleteVsUpdate;
    c.field = kDeletedField;
    c.dots = delete_dots;
    c.dots.insert(c.dots.end(), concurrent_edits.begin(),
                  concurrent_edits.end());
    std::sort(c.dots.begin(), c.dots.end(), DotLess);
    c.dots.erase(std::unique(c.dots.begin(), c.dots.end(), DotEqual),
                 c.dots.end());
    out.push_back(std::move(c));
  }
  for (ConflictInfo& c : out) {
    c.id = ConflictId(table.name, row, c.field, c.kind, c.dots);
  }
  return out;
}

}  // namespace outpost::sync
