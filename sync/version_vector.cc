#include "sync/version_vector.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "sync/replica.h"

namespace outpost::sync {

VersionVector VersionVector::FromProto(
    const outpost::v1::VersionVector& proto) {
  VersionVector vv;
  for (const auto& e : proto.entries()) vv.Advance(e.origin(), e.seq());
  return vv;
}

outpost::v1::VersionVector VersionVector::ToProto() const {
  outpost::v1::VersionVector proto;
  for (const auto& [origin, seq] : entries_) {
    auto* e = proto.add_entries();
    e->set_origin(origin);
    e->set_seq(seq);
  }
  return proto;
}

uint64_t VersionVector::Get(absl::string_view origin) const {
  auto it = entries_.find(origin);
  return it == entries_.end() ? 0 : it->second;
}

uint64_t VersionVector::NodeTotal(absl::string_view node) const {
  uint64_t total = 0;
  for (const auto& [origin, seq] : entries_) {
    if (NodeOfOrigin(origin) == node) total += seq;
  }
  return total;
}

bool VersionVector::Advance(absl::string_view origin, uint64_t seq) {
  if (seq == 0) return false;
  auto it = entries_.find(origin);
  if (it == entries_.end()) {
    entries_.emplace(std::string(origin), seq);
    return true;
  }
  if (it->second >= seq) return false;
  it->second = seq;
  return true;
}

void VersionVector::Merge(const VersionVector& other) {
  for (const auto& [origin, seq] : other.entries_) Advance(origin, seq);
}

bool VersionVector::Dominates(const VersionVector& other) const {
  for (const auto& [origin, seq] : other.entries_) {
    if (Get(origin) < seq) return false;
  }
  return true;
}

uint64_t VersionVector::CountAhead(const VersionVector& other) const {
  uint64_t ahead = 0;
  for (const auto& [origin, seq] : entries_) {
    const uint64_t theirs = other.Get(origin);
    if (seq > theirs) ahead += seq - theirs;
  }
  return ahead;
}

std::string VersionVector::DebugString() const {
  std::string out = "{";
  for (const auto& [origin, seq] : entries_) {
    absl::StrAppend(&out, out.size() > 1 ? ", " : "", origin, ":", seq);
  }
  return out + "}";
}

}  // namespace outpost::sync
