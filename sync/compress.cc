#include "sync/compress.h"

#include <zlib.h>

#include "absl/strings/str_cat.h"

namespace outpost::sync {

std::string Deflate(absl::string_view data, int level) {
  uLongf size = compressBound(static_cast<uLong>(data.size()));
  std::string out(size, '\0');
  const int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                           reinterpret_cast<const Bytef*>(data.data()),
                           static_cast<uLong>(data.size()), level);
  if (rc != Z_OK) return std::string();  // only on out-of-memory
  out.resize(size);
  return out;
}

absl::StatusOr<std::string> Inflate(absl::string_view data, size_t max_size) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) {
    return absl::ResourceExhaustedError("inflateInit failed");
  }
  std::string out;
  out.resize(
      std::min<size_t>(max_size, std::max<size_t>(4 * data.size(), 4096)));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  size_t produced = 0;
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(out.size() - produced);
    rc = inflate(&zs, Z_NO_FLUSH);
    produced = out.size() - zs.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    if (zs.avail_out == 0) {
      if (out.size() >= max_size) {
        rc = Z_MEM_ERROR;
        break;
      }
      out.resize(std::min(max_size, out.size() * 2));
    } else if (zs.avail_in == 0) {
      rc = Z_DATA_ERROR;  // truncated
      break;
    }
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return absl::InvalidArgumentError(
        rc == Z_MEM_ERROR
            ? absl::StrCat("packed batch inflates past ", max_size, " bytes")
            : std::string("packed batch is not valid zlib data"));
  }
  out.resize(produced);
  return out;
}

}  // namespace outpost::sync
