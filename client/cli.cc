#include "client/cli.h"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <cwchar>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace outpost::client {

int Fail(const absl::Status& status) {
  std::cerr << "outpost: " << status.message() << std::endl;
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    return kExitUnreachable;
  }
  if (absl::IsInvalidArgument(status)) return kExitUsage;
  return kExitRefused;
}

void PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  std::cout << out;
}

std::string FormatMs(int64_t ms) {
  if (ms <= 0) return "从未 (never)";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(ms),
                          absl::LocalTimeZone());
}

std::string FormatVv(const outpost::v1::VersionVector& vv) {
  std::vector<std::string> parts;
  for (const auto& e : vv.entries())
    parts.push_back(absl::StrCat(e.origin(), ":", e.seq()));
  return parts.empty() ? "-" : absl::StrJoin(parts, " ");
}

void PrintText(const google::protobuf::Message& message) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(true);
  std::string out;
  printer.PrintToString(message, &out);
  std::cout << out;
}

// libc's wcwidth under a UTF-8 locale.
int DisplayWidth(const std::string& text) {
  std::mbstate_t state{};
  int width = 0;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    wchar_t wc;
    const size_t n = std::mbrtowc(&wc, p, end - p, &state);
    if (n == 0 || n == static_cast<size_t>(-1) ||
        n == static_cast<size_t>(-2)) {
      ++width;  // not valid UTF-8: count the byte
      ++p;
      state = {};
      continue;
    }
    const int w = wcwidth(wc);
    width += w < 0 ? 1 : w;
    p += n;
  }
  return width;
}

namespace {

std::string FieldText(const google::protobuf::Message& m,
                      const google::protobuf::FieldDescriptor* f) {
  const auto* r = m.GetReflection();
  using F = google::protobuf::FieldDescriptor;
  switch (f->cpp_type()) {
    case F::CPPTYPE_STRING:
      return r->GetString(m, f);
    case F::CPPTYPE_BOOL:
      return r->GetBool(m, f) ? "yes" : "no";
    case F::CPPTYPE_INT32:
      return std::to_string(r->GetInt32(m, f));
    case F::CPPTYPE_INT64:
      return std::to_string(r->GetInt64(m, f));
    case F::CPPTYPE_UINT64:
      return std::to_string(r->GetUInt64(m, f));
    case F::CPPTYPE_DOUBLE:
      return absl::StrCat(r->GetDouble(m, f));
    default:
      return "";
  }
}

}  // namespace

void PrintHuman(const google::protobuf::Message& response) {
  const auto* d = response.GetDescriptor();
  const google::protobuf::FieldDescriptor* list = nullptr;
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->is_repeated() && d->field(i)->message_type() != nullptr) {
      list = d->field(i);
      break;
    }
  }
  if (list == nullptr) {
    PrintText(response);
    return;
  }
  const auto* r = response.GetReflection();
  const int rows = r->FieldSize(response, list);
  if (rows == 0) {
    std::printf("(无 none)\n");
    return;
  }
  const auto* row_type = list->message_type();
  std::vector<const google::protobuf::FieldDescriptor*> columns;
  for (int c = 0; c < row_type->field_count(); ++c) {
    const auto* f = row_type->field(c);
    if (f->is_repeated() || f->message_type() != nullptr) continue;
    for (int i = 0; i < rows; ++i) {
      const std::string v =
          FieldText(r->GetRepeatedMessage(response, list, i), f);
      if (!v.empty() && v != "0" && v != "no") {
        columns.push_back(f);
        break;
      }
    }
  }
  std::vector<std::vector<std::string>> cells(rows + 1);
  for (const auto* f : columns) cells[0].push_back(f->name());
  for (int i = 0; i < rows; ++i) {
    for (const auto* f : columns) {
      cells[i + 1].push_back(
          FieldText(r->GetRepeatedMessage(response, list, i), f));
    }
  }
  std::vector<int> widths(columns.size(), 0);
  for (const auto& row : cells) {
    for (size_t c = 0; c < row.size(); ++c)
      widths[c] = std::max(widths[c], DisplayWidth(row[c]));
  }
  for (const auto& row : cells) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size())
        line += std::string(widths[c] - DisplayWidth(row[c]) + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

absl::StatusOr<double> ParseNumber(const std::string& flag,
                                   const std::string& text) {
  double value = 0;
  if (!absl::SimpleAtod(text, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": \"", text, "\" is not a number"));
  }
  return value;
}

}  // namespace outpost::client
