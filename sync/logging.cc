#include "sync/logging.h"

#include <unistd.h>

#include <atomic>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace outpost {
namespace {
std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};
}  // namespace

void SetMinLogLevel(LogLevel level) { min_level = static_cast<int>(level); }
LogLevel MinLogLevel() { return static_cast<LogLevel>(min_level.load()); }

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name) {
  static constexpr struct {
    absl::string_view name;
    LogLevel level;
  } kLevels[] = {{"debug", LogLevel::kDebug},
                 {"info", LogLevel::kInfo},
                 {"warning", LogLevel::kWarning},
                 {"error", LogLevel::kError}};
  for (const auto& l : kLevels) {
    if (name == l.name) return l.level;
  }
  std::string error = absl::StrCat(
      "\"", name, "\" is not a level: debug, info, warning or error");
  // A near miss gets the spelling that works; an alias is not accepted, so
  // every node's configuration reads the same.
  const std::string lower = absl::AsciiStrToLower(name);
  for (const auto& l : kLevels) {
    if (!lower.empty() && absl::StartsWith(l.name, lower)) {
      absl::StrAppend(&error, " (did you mean ", l.name, "?)");
      break;
    }
  }
  return absl::InvalidArgumentError(error);
}

namespace internal {

LogMessage::LogMessage(LogLevel level, const char* file, int line)
    : level_(level) {
  static constexpr char kLetters[] = {'D', 'I', 'W', 'E'};
  const char* base = std::strrchr(file, '/');
  stream_ << kLetters[static_cast<int>(level_)]
          << absl::FormatTime("%m%d %H:%M:%E3S", absl::Now(),
                              absl::LocalTimeZone())
          << ' ' << (base ? base + 1 : file) << ':' << line << "] ";
}

LogMessage::~LogMessage() {
  stream_ << '\n';
  const std::string text = stream_.str();
  ssize_t ignored = ::write(STDERR_FILENO, text.data(), text.size());
  (void)ignored;
}

}  // namespace internal
}  // namespace outpost
