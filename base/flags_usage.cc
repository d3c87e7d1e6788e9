#include "base/flags_usage.h"

#include <cstdlib>
#include <iostream>

#include "absl/flags/internal/parse.h"
#include "absl/flags/internal/usage.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace outpost {
namespace {

// `file` from the project root when it lies in one of `folders`
// ("/src/outpost/server/main.cc" -> "server/main.cc"); else as Abseil
// shows it (without leading slashes).
std::string Normalize(absl::string_view file,
                      const std::vector<std::string>& folders) {
  for (const std::string& folder : folders) {
    if (absl::StartsWith(file, folder)) return std::string(file);
    const size_t at = file.rfind(absl::StrCat("/", folder));
    if (at != absl::string_view::npos) return std::string(file.substr(at + 1));
  }
  while (absl::ConsumePrefix(&file, "/")) {
  }
  return std::string(file);
}

}  // namespace

std::vector<char*> ParseCommandLineWithHelp(
    int argc, char** argv, const std::vector<std::string>& own_folders) {
  // Abseil applies the filters to the normalized file names.
  auto own = [own_folders](absl::string_view file) {
    for (const std::string& folder : own_folders) {
      if (absl::StartsWith(file, folder)) return true;
    }
    return false;
  };
  absl::FlagsUsageConfig config;
  config.contains_help_flags = own;
  config.contains_helpshort_flags = own;
  config.contains_helppackage_flags = own;
  config.normalize_filename = [own_folders](absl::string_view file) {
    return Normalize(file, own_folders);
  };
  absl::SetFlagsUsageConfig(config);

  // absl::ParseCommandLine is these two steps, except that (in 20220623)
  // it exits 1 after printing help. Its internal API is the only way to keep
  // Abseil's usage output and exit 0; revisit on an Abseil upgrade.
  namespace fi = absl::flags_internal;
  std::vector<char*> args = fi::ParseCommandLineImpl(
      argc, argv, fi::ArgvListAction::kRemoveParsedArgs,
      fi::UsageFlagsAction::kIgnoreUsage,
      fi::OnUndefinedFlag::kAbortIfUndefined);
  // -1: no usage flag; 1: help printed; 0: --version or --only_check_args.
  const int code = fi::HandleUsageFlags(std::cout, absl::ProgramUsageMessage());
  if (code != -1) {
    std::cout.flush();
    std::exit(code == 1 ? 0 : code);
  }
  return args;
}

}  // namespace outpost
