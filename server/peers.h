// PeerRegistry: what Admin.Status reports about connected peers. Sessions
// (server streams and the upstream loop) publish their figures here.
//
// Thread-safety: internally synchronized.
#ifndef OUTPOST_SERVER_PEERS_H_
#define OUTPOST_SERVER_PEERS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "outpost/v1/node.pb.h"

namespace outpost::server {

class PeerRegistry {
 public:
  // `key` identifies one session (several may exist for one peer briefly).
  void Update(const std::string& key, const outpost::v1::PeerStatus& status) {
    absl::MutexLock lock(&mu_);
    peers_[key] = status;
  }
  void Remove(const std::string& key) {
    absl::MutexLock lock(&mu_);
    peers_.erase(key);
  }
  std::vector<outpost::v1::PeerStatus> List() const {
    absl::MutexLock lock(&mu_);
    std::vector<outpost::v1::PeerStatus> out;
    for (const auto& [key, status] : peers_) out.push_back(status);
    return out;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, outpost::v1::PeerStatus> peers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_PEERS_H_
