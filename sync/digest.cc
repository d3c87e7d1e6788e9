#include "sync/digest.h"

#include <xxhash.h>

#include "absl/strings/str_format.h"

namespace outpost::sync {

std::string Digest128::Hex() const {
  return absl::StrFormat("%016x%016x", hi, lo);
}

Digest128 HashBytes(const std::string& bytes) {
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  return Digest128{h.low64, h.high64};
}

Digest128 HashRowState(const outpost::v1::RowState& row) {
  if (row.fields_size() == 0) return Digest128{};
  std::string bytes;
  row.SerializeToString(&bytes);
  return HashBytes(bytes);
}

outpost::v1::RowState InsertOnlyRowState(const outpost::v1::Change& change) {
  outpost::v1::RowState row;
  row.set_table(change.table());
  row.set_row_id(change.row_id());
  row.set_scope(change.scope());
  for (const auto& w : change.writes()) {
    // NULL is the absence of a value: {a:1} and {a:1, b:NULL} hash alike.
    if (w.value().kind_case() == outpost::v1::Value::KIND_NOT_SET) continue;
    auto* f = row.add_fields();
    f->set_field(w.field());
    *f->add_siblings()->mutable_value() = w.value();
  }
  return row;
}

}  // namespace outpost::sync
