// Registry import from CSV: parsing (libcsv) and per-line validation into
// the writes that register households and residents.
//
//   ASSIGN_OR_RETURN(ImportPlan plan, PlanResidentImport(csv, options));
//   if (plan.rejects.empty()) store->WriteAll(plan.writes);   // all or nothing
//
// Format: UTF-8 (a BOM is skipped), RFC 4180 quoting, a header row naming the
// columns in any order: community, compound, building, unit, room, name,
// id_number, and optionally phone, key_category. Line numbers count records,
// the header being line 1.
#ifndef OUTPOST_SERVER_RESIDENT_IMPORT_H_
#define OUTPOST_SERVER_RESIDENT_IMPORT_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "outpost/v1/community.pb.h"
#include "server/id_cipher.h"
#include "sync/scope.h"
#include "sync/store.h"

namespace outpost::server {

struct ImportOptions {
  std::string id_key;
  sync::ScopeSet scopes = sync::ScopeSet::All();  // communities this node holds
  // Whether a row already exists (household or resident), to skip known
  // households and refuse residents registered before.
  std::function<bool(const std::string& table, const std::string& id)> exists;
  // Encrypts ID-card numbers at rest (server/id_cipher.h); null: plaintext.
  const IdCipher* cipher = nullptr;
};

struct ImportPlan {
  std::vector<sync::WriteRequest>
      writes;         // new households first, then residents
  int64_t lines = 0;  // data lines read
  int64_t households = 0;
  int64_t residents = 0;
  std::vector<outpost::v1::ImportReject> rejects;
};

// INVALID_ARGUMENT for a file that cannot be imported at all (not CSV, no
// header, a required column missing); bad lines are rejects, not errors.
absl::StatusOr<ImportPlan> PlanResidentImport(absl::string_view csv,
                                              const ImportOptions& options);

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_RESIDENT_IMPORT_H_
