// Scopes: every row has one (a community id); a node holds a set of them, or
// all ("*", the central office).
#ifndef OUTPOST_SYNC_SCOPE_H_
#define OUTPOST_SYNC_SCOPE_H_

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace outpost::sync {

class ScopeSet {
 public:
  ScopeSet() = default;
  static ScopeSet All() {
    ScopeSet s;
    s.all_ = true;
    return s;
  }
  // "*" anywhere in the list means all.
  static ScopeSet Of(const std::vector<std::string>& scopes) {
    ScopeSet s;
    for (const std::string& scope : scopes) {
      if (scope == "*") s.all_ = true;
      s.scopes_.insert(scope);
    }
    if (s.all_) s.scopes_.clear();
    return s;
  }

  bool all() const { return all_; }
  bool Contains(absl::string_view scope) const {
    return all_ || scopes_.count(std::string(scope)) > 0;
  }
  // True when every scope of `other` is in this set.
  bool Covers(const ScopeSet& other) const {
    if (all_) return true;
    if (other.all_) return false;
    for (const std::string& s : other.scopes_) {
      if (!scopes_.count(s)) return false;
    }
    return true;
  }
  std::vector<std::string> ToList() const {
    if (all_) return {"*"};
    return std::vector<std::string>(scopes_.begin(), scopes_.end());
  }
  std::string ToString() const { return absl::StrJoin(ToList(), ","); }

 private:
  bool all_ = false;
  std::set<std::string> scopes_;
};

}  // namespace outpost::sync

#endif  // OUTPOST_SYNC_SCOPE_H_
