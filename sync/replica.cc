#include "sync/replica.h"

#include <random>

#include "absl/strings/str_cat.h"

namespace outpost::sync {

std::string MintReplicaId(absl::string_view node_id) {
  // Base 32 without look-alikes an operator might misread (0/o, 1/l).
  static constexpr char kAlphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
  std::random_device device;
  uint64_t bits = (static_cast<uint64_t>(device()) << 32) ^ device();
  std::string incarnation(10, 'a');
  for (char& c : incarnation) {
    c = kAlphabet[bits & 31];
    bits >>= 5;
  }
  return absl::StrCat(node_id, "/", incarnation);
}

}  // namespace outpost::sync
