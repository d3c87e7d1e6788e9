#include "server/resident_import.h"

#include <csv.h>

#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/id_card.h"
#include "server/validate.h"

namespace outpost::server {
namespace {

// libcsv callbacks collect records; the plan is built from them afterwards.
struct Records {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> current;
};

void OnField(void* field, size_t len, void* data) {
  static_cast<Records*>(data)->current.emplace_back(
      static_cast<const char*>(field), len);
}

void OnRow(int, void* data) {
  auto* records = static_cast<Records*>(data);
  records->rows.push_back(std::move(records->current));
  records->current.clear();
}

constexpr const char* kRequired[] = {"community", "compound", "building",
                                     "room",      "name",     "id_number"};

}  // namespace

absl::StatusOr<ImportPlan> PlanResidentImport(absl::string_view csv,
                                              const ImportOptions& options) {
  if (absl::StartsWith(csv, "\xEF\xBB\xBF")) csv.remove_prefix(3);
  Records records;
  csv_parser parser;
  if (csv_init(&parser, CSV_APPEND_NULL) != 0) {
    return absl::ResourceExhaustedError("csv_init failed");
  }
  const size_t parsed =
      csv_parse(&parser, csv.data(), csv.size(), OnField, OnRow, &records);
  if (parsed != csv.size()) {
    const std::string why = csv_strerror(csv_error(&parser));
    csv_free(&parser);
    return absl::InvalidArgumentError(absl::StrCat(
        "file: not CSV (", why, ") near record ", records.rows.size() + 1));
  }
  csv_fini(&parser, OnField, OnRow, &records);
  csv_free(&parser);
  if (records.rows.empty())
    return absl::InvalidArgumentError("file: empty (no header row)");

  // Header: column name -> index.
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < records.rows[0].size(); ++i) {
    column[std::string(absl::StripAsciiWhitespace(records.rows[0][i]))] = i;
  }
  std::vector<std::string> missing;
  for (const char* name : kRequired) {
    if (!column.count(name)) missing.push_back(name);
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("header: missing column(s) ", absl::StrJoin(missing, ", "),
                     " (line 1 must name: ", absl::StrJoin(kRequired, ","),
                     "[,phone,key_category])"));
  }

  ImportPlan plan;
  std::set<std::string> new_households;
  absl::flat_hash_map<std::string, int64_t> seen_numbers;  // id_number -> line
  std::vector<sync::WriteRequest> residents;
  for (size_t r = 1; r < records.rows.size(); ++r) {
    const std::vector<std::string>& row = records.rows[r];
    const int64_t line = static_cast<int64_t>(r) + 1;
    ++plan.lines;
    auto get = [&](const char* name) -> std::string {
      auto it = column.find(name);
      if (it == column.end() || it->second >= row.size()) return std::string();
      return std::string(absl::StripAsciiWhitespace(row[it->second]));
    };
    auto reject = [&](absl::string_view reason) {
      outpost::v1::ImportReject* x = &plan.rejects.emplace_back();
      x->set_line(line);
      x->set_reason(std::string(reason));
      x->set_raw(absl::StrJoin(row, ","));
    };
    absl::Status status;
    for (const char* name : kRequired) {
      if (status.ok()) status = Required(name, get(name));
    }
    if (status.ok()) status = ValidPhone(get("phone"));
    absl::StatusOr<std::string> id_number = NormalizeIdNumber(get("id_number"));
    if (status.ok() && !id_number.ok()) status = id_number.status();
    const std::string community = get("community");
    if (status.ok() && !options.scopes.Contains(community)) {
      status = absl::PermissionDeniedError(absl::StrCat(
          "community: \"", community, "\" is not held by this node (",
          options.scopes.ToString(), ")"));
    }
    if (!status.ok()) {
      reject(status.message());
      continue;
    }
    auto [first, inserted] = seen_numbers.emplace(*id_number, line);
    if (!inserted) {
      reject(absl::StrCat("id_number: ", MaskIdNumber(*id_number),
                          " is also on line ", first->second));
      continue;
    }
    const std::string resident_id = ResidentId(options.id_key, *id_number);
    if (options.exists && options.exists("residents", resident_id)) {
      reject(absl::StrCat("id_number: ", MaskIdNumber(*id_number),
                          " is already registered as ", resident_id));
      continue;
    }
    const std::string household = HouseholdId(
        community, get("compound"), get("building"), get("unit"), get("room"));
    if (!new_households.count(household) &&
        !(options.exists && options.exists("households", household))) {
      new_households.insert(household);
      sync::WriteRequest h;
      h.table = "households";
      h.row_id = household;
      h.scope = community;
      h.Set("community", sync::TextValue(community))
          .Set("compound", sync::TextValue(get("compound")))
          .Set("building", sync::TextValue(get("building")))
          .Set("unit", sync::TextValue(get("unit")))
          .Set("room", sync::TextValue(get("room")));
      plan.writes.push_back(std::move(h));
      ++plan.households;
    }
    sync::WriteRequest w;
    w.table = "residents";
    w.row_id = resident_id;
    w.scope = community;
    w.author = "import";
    w.Set("name", sync::TextValue(get("name")))
        .Set("id_number",
             sync::TextValue(options.cipher != nullptr
                                 ? options.cipher->Encrypt(*id_number)
                                 : *id_number))
        .Set("phone", sync::TextValue(get("phone")))
        .Set("household", sync::TextValue(household))
        .Set("control", sync::TextValue("none"));
    if (!get("key_category").empty())
      w.Set("key_category", sync::TextValue(get("key_category")));
    residents.push_back(std::move(w));
    ++plan.residents;
  }
  for (sync::WriteRequest& w : residents) plan.writes.push_back(std::move(w));
  return plan;
}

}  // namespace outpost::server
