#include "tools/scenario/driver.h"

#include "absl/strings/str_cat.h"
#include "server/validate.h"
#include "sync/status_macros.h"

namespace outpost::scenario {
namespace {

namespace pb = outpost::v1;

void Record(DayStats& stats, const absl::Status& status) {
  ++stats.calls;
  if (status.ok()) return;
  ++stats.failed;
  if (stats.first_error.empty()) stats.first_error = status.ToString();
}

std::string Degrees(int tenths) {
  return absl::StrCat(tenths / 10, ".", tenths % 10);
}

}  // namespace

void DayStats::Add(const DayStats& other) {
  calls += other.calls;
  failed += other.failed;
  unexpected += other.unexpected;
  if (first_error.empty()) first_error = other.first_error;
}

std::string ResidentRowId(const Office& office, int resident,
                          const std::string& id_key) {
  return server::ResidentId(id_key, office.residents[resident].id_number);
}

absl::Status LoadCommunity(const Office& office, int community,
                           client::Client& client, const std::string& id_key,
                           std::atomic<int64_t>* progress) {
  const Community& c = office.communities[community];
  auto context = [&](absl::string_view what, const absl::Status& s) {
    return absl::Status(s.code(),
                        absl::StrCat(c.id, ": ", what, ": ", s.message()));
  };
  pb::AddCommunityRequest add_community;
  add_community.mutable_community()->set_id(c.id);
  add_community.mutable_community()->set_name(c.name);
  if (auto r = client.AddCommunity(add_community); !r.ok())
    return context("AddCommunity", r.status());
  for (int k : c.compounds) {
    const Compound& compound = office.compounds[k];
    pb::AddCompoundRequest request;
    pb::Compound* out = request.mutable_compound();
    out->set_id(compound.id);
    out->set_community(c.id);
    out->set_name(compound.name);
    out->set_kind(compound.kind);
    out->set_closed_since(compound.closed_since);
    if (auto r = client.AddCompound(request); !r.ok())
      return context(absl::StrCat("AddCompound ", compound.id), r.status());
    for (int g : compound.checkpoints) {
      pb::AddCheckpointRequest cp;
      cp.mutable_checkpoint()->set_id(office.checkpoints[g].id);
      cp.mutable_checkpoint()->set_compound(compound.id);
      cp.mutable_checkpoint()->set_name(office.checkpoints[g].name);
      if (auto r = client.AddCheckpoint(cp); !r.ok())
        return context(absl::StrCat("AddCheckpoint ", office.checkpoints[g].id),
                       r.status());
    }
  }
  for (const Staff& s : office.staff) {
    if (office.compounds[office.checkpoints[s.checkpoint].compound].community !=
        community)
      continue;
    pb::AddStaffRequest request;
    pb::Staff* out = request.mutable_staff();
    out->set_id(s.id);
    out->set_name(s.name);
    out->set_phone(s.phone);
    out->set_role(s.role);
    out->set_checkpoint(office.checkpoints[s.checkpoint].id);
    out->set_shift(s.shift);
    if (auto r = client.AddStaff(request); !r.ok())
      return context(absl::StrCat("AddStaff ", s.id), r.status());
  }
  absl::StatusOr<pb::ImportResult> imported =
      client.ImportResidents(ResidentsCsv(office, community), false, nullptr);
  if (!imported.ok()) return context("ImportResidents", imported.status());
  if (!imported->written()) {
    return absl::FailedPreconditionError(absl::StrCat(
        c.id, ": ImportResidents wrote nothing: ", imported->rejected(),
        " bad line(s), first: ",
        imported->rejects_size() > 0
            ? absl::StrCat("line ", imported->rejects(0).line(), ": ",
                           imported->rejects(0).reason())
            : std::string("?")));
  }
  if (progress) *progress += imported->residents();
  // Residents under quarantine: their control status, as the registry desk
  // enters it after the import.
  for (int k : c.compounds) {
    for (int h : office.compounds[k].households) {
      for (int m : office.households[h].members) {
        const Resident& r = office.residents[m];
        if (r.control == "none") continue;
        pb::UpdateResidentRequest request;
        request.set_id(ResidentRowId(office, m, id_key));
        request.mutable_resident()->set_control(r.control);
        request.mutable_resident()->set_control_start(r.control_start);
        request.add_set("control");
        request.add_set("control_start");
        if (NeedsCareVisits(r)) {
          request.mutable_resident()->set_special_care(
              "高龄居家隔离 elderly under home quarantine");
          request.add_set("special_care");
        }
        if (auto u = client.UpdateResident(request); !u.ok())
          return context(absl::StrCat("UpdateResident ", request.id()),
                         u.status());
      }
    }
  }
  return absl::OkStatus();
}

DayStats PlayPasses(const Office& office, const CommunityDay& day, size_t from,
                    size_t to, int checkpoint, client::Client& client,
                    std::atomic<int64_t>* progress) {
  DayStats stats;
  to = std::min(to, day.passes.size());
  // The terminal's passages go over one Community.PassStream (answers in
  // order, each once durable; a refused one carries `error`).
  std::vector<const PassEvent*> events;
  std::vector<pb::PassRequest> requests;
  auto flush = [&] {
    if (requests.empty()) return;
    absl::StatusOr<std::vector<pb::PassResponse>> answers =
        client.PassMany(requests);
    if (!answers.ok() || answers->size() != requests.size()) {
      const absl::Status s =
          answers.ok() ? absl::InternalError(absl::StrCat(
                             "PassStream: ", answers->size(), " answers to ",
                             requests.size(), " passages"))
                       : answers.status();
      for (size_t i = 0; i < requests.size(); ++i) Record(stats, s);
    } else {
      for (size_t i = 0; i < requests.size(); ++i) {
        const pb::PassResponse& r = (*answers)[i];
        const PassEvent& e = *events[i];
        Record(stats, r.error().empty()
                          ? absl::OkStatus()
                          : absl::FailedPreconditionError(r.error()));
        if (r.error().empty() && r.decision() != e.expect) {
          ++stats.unexpected;
          if (stats.first_error.empty()) {
            stats.first_error = absl::StrCat(
                "passage at ", requests[i].checkpoint(), " (",
                Degrees(e.temp_tenths), " C, ", requests[i].direction(),
                "): expected ", e.expect, ", got ", r.decision());
          }
        }
      }
    }
    if (progress) *progress += static_cast<int64_t>(requests.size());
    requests.clear();
    events.clear();
  };
  for (size_t i = from; i < to; ++i) {
    const PassEvent& e = day.passes[i];
    if (checkpoint >= 0 && e.checkpoint != checkpoint) continue;
    pb::PassRequest& request = requests.emplace_back();
    request.set_checkpoint(office.checkpoints[e.checkpoint].id);
    request.set_id_number(office.residents[e.resident].id_number);
    request.set_direction(e.out ? "out" : "in");
    request.set_temp(e.temp_tenths / 10.0);
    if (e.staff >= 0) request.set_staff(office.staff[e.staff].id);
    events.push_back(&e);
  }
  flush();
  return stats;
}

DayStats PlayChecksAndEdits(const Office& office, const CommunityDay& day,
                            client::Client& client, const std::string& id_key,
                            std::atomic<int64_t>* progress) {
  DayStats stats;
  for (const HealthEvent& e : day.checks) {
    pb::HealthRecordRequest request;
    request.set_resident_id(ResidentRowId(office, e.resident, id_key));
    request.set_temp(e.temp_tenths / 10.0);
    request.set_by(office.communities[day.community].director.name);
    absl::StatusOr<pb::HealthRecordResponse> r = client.HealthRecord(request);
    Record(stats, r.status());
    if (r.ok() && r->fever() != (e.temp_tenths >= kFeverTenths)) {
      ++stats.unexpected;
    }
    if (progress) ++*progress;
  }
  for (const EditEvent& e : day.edits) {
    pb::UpdateResidentRequest request;
    request.set_id(ResidentRowId(office, e.resident, id_key));
    request.mutable_resident()->set_phone(e.phone);
    request.add_set("phone");
    Record(stats, client.UpdateResident(request).status());
    if (progress) ++*progress;
  }
  return stats;
}

}  // namespace outpost::scenario
