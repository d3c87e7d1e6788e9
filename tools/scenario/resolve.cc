#include "tools/scenario/resolve.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "outpost/v1/operator.pb.h"
#include "sync/replica.h"

namespace outpost::scenario {

namespace pb = outpost::v1;

namespace {

std::string ValueText(const pb::Value& v) {
  switch (v.kind_case()) {
    case pb::Value::kTextValue:
      return v.text_value();
    case pb::Value::kIntValue:
      return absl::StrCat(v.int_value());
    case pb::Value::kRealValue:
      return absl::StrCat(v.real_value());
    case pb::Value::kBoolValue:
      return v.bool_value() ? "true" : "false";
    default:
      return "(空 null)";
  }
}

}  // namespace

absl::StatusOr<int> ResolveThroughOperator(
    client::Client& central, const pb::ConflictsResponse& conflicts,
    const std::function<void(const std::string&)>& say) {
  int resolved = 0;
  for (const pb::ConflictView& listed : conflicts.conflicts()) {
    pb::ConflictShowRequest show_request;
    show_request.set_id(listed.id());
    absl::StatusOr<pb::ConflictShowResponse> show =
        central.ConflictShow(show_request);
    if (!show.ok()) return show.status();
    const pb::ConflictView& c = show->conflict();
    std::vector<std::string> facts;
    for (const pb::RowFact& f : show->row())
      facts.push_back(absl::StrCat(f.label(), ": ", f.value()));
    say(absl::StrCat("  冲突 conflict ", c.id().substr(0, 12), " ", c.table(),
                     ".", c.field(), " [", c.scope(), "]"));
    say(absl::StrCat("    ", absl::StrJoin(facts, "; ")));
    int pick = 0;
    for (int i = 0; i < c.values_size(); ++i) {
      const pb::ConflictValueView& v = c.values(i);
      say(absl::StrCat(
          "    ", i + 1, ". ", ValueText(v.value()), "  来自 from ",
          v.dot().origin(), v.author().empty() ? "" : "/", v.author(), ", ",
          absl::FormatTime("%H:%M:%S",
                           absl::FromUnixMillis(static_cast<int64_t>(
                               v.hlc() >> 16)),  // HLC: ms << 16 | counter
                           absl::LocalTimeZone()),
          v.shown() ? "  [当前 shown]" : ""));
      if (sync::NodeOfOrigin(v.dot().origin()) != "central") pick = i + 1;
    }
    if (pick == 0) {
      say("    (no value from a community: left open)");
      continue;
    }
    pb::ConflictResolveRequest request;
    request.set_id(c.id());
    request.set_pick(pick);
    request.set_reason(kDemoReason);
    request.set_by(kDemoOperator);
    absl::StatusOr<pb::ConflictResolveResponse> r =
        central.ConflictResolve(request);
    if (!r.ok()) {
      return absl::Status(r.status().code(),
                          absl::StrCat("conflicts resolve ", c.id(), ": ",
                                       r.status().message()));
    }
    say(absl::StrCat("    => 处理 resolved: --pick=", pick, " (", r->chosen(),
                     ") by ", kDemoOperator, ": ", kDemoReason));
    ++resolved;
  }
  return resolved;
}

}  // namespace outpost::scenario
