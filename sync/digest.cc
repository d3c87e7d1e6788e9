#include "sync/digest.h"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
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

namespace {
void AddPiece(XXH3_state_t* state, char tag, const void* data, size_t size) {
  const uint64_t header =
      (static_cast<uint64_t>(size) << 8) | static_cast<uint8_t>(tag);
  XXH3_128bits_update(state, &header, sizeof(header));
  XXH3_128bits_update(state, data, size);
}
}  // namespace

Digest128 HashInsertOnlyRow(const outpost::v1::Change& change) {
  using outpost::v1::Value;
  XXH3_state_t state;
  XXH3_INITSTATE(&state);
  XXH3_128bits_reset(&state);
  AddPiece(&state, 't', change.table().data(), change.table().size());
  AddPiece(&state, 'r', change.row_id().data(), change.row_id().size());
  AddPiece(&state, 's', change.scope().data(), change.scope().size());
  for (const auto& w : change.writes()) {
    const Value& v = w.value();
    if (v.kind_case() == Value::KIND_NOT_SET) continue;
    AddPiece(&state, 'f', w.field().data(), w.field().size());
    switch (v.kind_case()) {
      case Value::kIntValue: {
        const int64_t x = v.int_value();
        AddPiece(&state, 'i', &x, sizeof(x));
        break;
      }
      case Value::kRealValue: {
        const double x = v.real_value();
        AddPiece(&state, 'd', &x, sizeof(x));
        break;
      }
      case Value::kTextValue:
        AddPiece(&state, 'x', v.text_value().data(), v.text_value().size());
        break;
      case Value::kBytesValue:
        AddPiece(&state, 'b', v.bytes_value().data(), v.bytes_value().size());
        break;
      case Value::kBoolValue: {
        const char x = v.bool_value() ? 1 : 0;
        AddPiece(&state, 'o', &x, 1);
        break;
      }
      case Value::KIND_NOT_SET:
        break;
    }
  }
  const XXH128_hash_t h = XXH3_128bits_digest(&state);
  return Digest128{h.low64, h.high64};
}

}  // namespace outpost::sync
