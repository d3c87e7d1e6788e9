#include "tools/scenario/resolve.h"

namespace outpost::scenario {

namespace pb = outpost::v1;

absl::StatusOr<int> ResolveByReentering(
    client::Client& central, const pb::ConflictsResponse& conflicts) {
  int resolved = 0;
  for (const pb::ConflictView& c : conflicts.conflicts()) {
    if (c.table() != "residents") continue;  // the demo makes only these
    const pb::ConflictValueView* keep = nullptr;
    for (const pb::ConflictValueView& v : c.values()) {
      if (v.dot().origin() != "central") keep = &v;
    }
    if (keep == nullptr) continue;
    pb::UpdateResidentRequest request;
    request.set_id(c.row_id());
    request.add_set(c.field());
    const std::string& value = keep->value().text_value();
    if (c.field() == "phone") {
      request.mutable_resident()->set_phone(value);
    } else if (c.field() == "name") {
      request.mutable_resident()->set_name(value);
    } else {
      continue;
    }
    absl::StatusOr<pb::Resident> r = central.UpdateResident(request);
    if (!r.ok()) return r.status();
    ++resolved;
  }
  return resolved;
}

}  // namespace outpost::scenario
