// zlib deflate/inflate for packed batches (see Batch.packed in sync.proto).
#ifndef OUTPOST_SYNC_COMPRESS_H_
#define OUTPOST_SYNC_COMPRESS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace outpost::sync {

// zlib format; level 1 is ~4x faster than the default and, on change logs,
// nearly as small.
std::string Deflate(absl::string_view data, int level = 1);
// INVALID_ARGUMENT if `data` is not zlib data or inflates past `max_size`
// (a bomb from a broken or hostile peer).
absl::StatusOr<std::string> Inflate(absl::string_view data, size_t max_size);

}  // namespace outpost::sync

#endif  // OUTPOST_SYNC_COMPRESS_H_
