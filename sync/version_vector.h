// Version vectors: per origin node, the highest seq applied (or skipped).
// Dot (n, c) is seen iff Get(n) >= c.
#ifndef OUTPOST_SYNC_VERSION_VECTOR_H_
#define OUTPOST_SYNC_VERSION_VECTOR_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "outpost/v1/sync.pb.h"

namespace outpost::sync {

class VersionVector {
 public:
  VersionVector() = default;
  static VersionVector FromProto(const outpost::v1::VersionVector& proto);
  outpost::v1::VersionVector ToProto() const;

  uint64_t Get(absl::string_view origin) const;
  // Sum over the replicas of `node` (sync/replica.h): how many changes
  // that node wrote, over all its runs, are seen here.
  uint64_t NodeTotal(absl::string_view node) const;
  bool Seen(const outpost::v1::Dot& dot) const {
    return Get(dot.origin()) >= dot.seq();
  }
  // Raises origin to at least seq. Returns true if it changed.
  bool Advance(absl::string_view origin, uint64_t seq);
  // Pointwise maximum.
  void Merge(const VersionVector& other);
  // True when every entry of `other` is <= ours.
  bool Dominates(const VersionVector& other) const;
  // Sum over origins of max(0, ours - other's): changes we have that other
  // lacks, an upper bound when scopes filter some out.
  uint64_t CountAhead(const VersionVector& other) const;

  const std::map<std::string, uint64_t, std::less<>>& entries() const {
    return entries_;
  }
  bool operator==(const VersionVector& other) const {
    return entries_ == other.entries_;
  }
  std::string DebugString() const;

 private:
  std::map<std::string, uint64_t, std::less<>> entries_;
};

}  // namespace outpost::sync

#endif  // OUTPOST_SYNC_VERSION_VECTOR_H_
