// The one leveled logger: lines to stderr, "I1129 16:40:01.123 file.cc:42]
// msg".
//
//   OUTPOST_LOG(INFO) << "listening on " << addr;
//   SetMinLogLevel(LogLevel::kWarning);   // quieter tests and tools
//   absl::StatusOr<LogLevel> level = ParseLogLevel(flag_text);
//
// Thread-safe: each message is formatted into a buffer and written with one
// write() call.
#ifndef OUTPOST_SYNC_LOGGING_H_
#define OUTPOST_SYNC_LOGGING_H_

#include <sstream>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace outpost {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// The level `name` names, exactly as outpostd's --log_level documents them:
// "debug", "info", "warning" or "error". Anything else is INVALID_ARGUMENT
// listing those, with a hint when `name` looks like one ("warn", "INFO").
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name);

void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();

namespace internal {
class LogMessage {
 public:
  LogMessage(LogLevel level, const char* file, int line);
  ~LogMessage();
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};
// Lets OUTPOST_LOG be one expression (safe inside if/else without braces).
struct Voidify {
  void operator&(std::ostream&) {}
};
}  // namespace internal
}  // namespace outpost

#define OUTPOST_LOG_LEVEL_DEBUG ::outpost::LogLevel::kDebug
#define OUTPOST_LOG_LEVEL_INFO ::outpost::LogLevel::kInfo
#define OUTPOST_LOG_LEVEL_WARNING ::outpost::LogLevel::kWarning
#define OUTPOST_LOG_LEVEL_ERROR ::outpost::LogLevel::kError

#define OUTPOST_LOG(level)                                             \
  !(OUTPOST_LOG_LEVEL_##level >= ::outpost::MinLogLevel())             \
      ? (void)0                                                        \
      : ::outpost::internal::Voidify() &                               \
            ::outpost::internal::LogMessage(OUTPOST_LOG_LEVEL_##level, \
                                            __FILE__, __LINE__)        \
                .stream()

#endif  // OUTPOST_SYNC_LOGGING_H_
