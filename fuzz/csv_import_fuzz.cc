// Fuzz target: the registry CSV import parser (server/resident_import.cc).
// Input bytes are a whole CSV file; the plan must come back (rows or
// rejects, or an error naming the problem) without a crash or sanitizer
// report, and every planned write must name a table and a row.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "server/id_cipher.h"
#include "server/resident_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* cipher =
      outpost::server::IdCipher::Development().release();
  outpost::server::ImportOptions options;
  options.id_key = "fuzz-id-key-0123456789";
  options.scopes = outpost::sync::ScopeSet::Of({"yatai", "heping"});
  options.exists = [](const std::string&, const std::string& id) {
    return !id.empty() && id[0] == 'h' && id.size() % 3 == 0;
  };
  options.cipher = cipher;
  auto plan = outpost::server::PlanResidentImport(
      std::string(reinterpret_cast<const char*>(data), size), options);
  if (plan.ok()) {
    for (const auto& w : plan->writes) {
      if (w.table.empty() || w.row_id.empty()) std::abort();
    }
  }
  return 0;
}
