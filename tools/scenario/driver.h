// Drives a node through the public gRPC API (client/client.h): loads a
// community of the generated office and plays its planned days. Never writes
// SQLite files: everything goes through the node's services, so it
// replicates like an operator's work.
//
//   ASSIGN_OR_RETURN(auto client, client::Client::Connect({address}));
//   RETURN_IF_ERROR(LoadCommunity(office, c, *client, key, nullptr));
//   CommunityDay day = PlanDay(office, c, 0);
//   DayStats stats = PlayPasses(office, day, 0, day.passes.size(), -1,
//                               *client, nullptr);
//
// Thread-safety: the functions share nothing; call them for different
// communities from different threads.
#ifndef OUTPOST_TOOLS_SCENARIO_DRIVER_H_
#define OUTPOST_TOOLS_SCENARIO_DRIVER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/client.h"
#include "tools/scenario/office.h"
#include "tools/scenario/plan.h"

namespace outpost::scenario {

// The development key outpostd uses without --id_key_file (server/main.cc);
// resident ids are a keyed hash of the ID-card number with it.
inline constexpr char kDevelopmentIdKey[] = "outpost-development-id-key";

// What a node answered, against the plan.
struct DayStats {
  int64_t calls = 0;
  int64_t failed = 0;      // a call that returned an error
  int64_t unexpected = 0;  // a decision other than the planned one
  std::string first_error;
  void Add(const DayStats& other);
};

// The community, its compounds, checkpoints, duty staff (one call each), its
// registry (one ImportResidents of its CSV), then the control status of the
// residents under quarantine (UpdateResident). `progress`, when not null,
// is incremented once per resident loaded.
absl::Status LoadCommunity(const Office& office, int community,
                           client::Client& client, const std::string& id_key,
                           std::atomic<int64_t>* progress);

// Passages [from, to) of the day's plan over one Community.PassStream
// (Client::PassMany), checking each
// decision against the plan; only those at `checkpoint` (an
// Office::checkpoints index) unless it is -1. `progress` is incremented by
// the passages answered once the stream is done.
DayStats PlayPasses(const Office& office, const CommunityDay& day, size_t from,
                    size_t to, int checkpoint, client::Client& client,
                    std::atomic<int64_t>* progress);

// The day's health checks and registry edits.
DayStats PlayChecksAndEdits(const Office& office, const CommunityDay& day,
                            client::Client& client, const std::string& id_key,
                            std::atomic<int64_t>* progress);

// The resident's row id at the nodes (keyed hash of the ID-card number).
std::string ResidentRowId(const Office& office, int resident,
                          const std::string& id_key);

}  // namespace outpost::scenario

#endif  // OUTPOST_TOOLS_SCENARIO_DRIVER_H_
