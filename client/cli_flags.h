// Flags of the `outpost` CLI that several command groups read.
#ifndef OUTPOST_CLIENT_CLI_FLAGS_H_
#define OUTPOST_CLIENT_CLI_FLAGS_H_

#include <string>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::string, node);
ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(int, timeout_ms);
ABSL_DECLARE_FLAG(std::string, table);
ABSL_DECLARE_FLAG(std::string, community);
ABSL_DECLARE_FLAG(std::string, id);
ABSL_DECLARE_FLAG(std::string, name);
ABSL_DECLARE_FLAG(std::string, kind);
ABSL_DECLARE_FLAG(std::string, compound);
ABSL_DECLARE_FLAG(std::string, building);
ABSL_DECLARE_FLAG(std::string, unit);
ABSL_DECLARE_FLAG(std::string, room);
ABSL_DECLARE_FLAG(std::string, household);
ABSL_DECLARE_FLAG(std::string, id_number);
ABSL_DECLARE_FLAG(std::string, phone);
ABSL_DECLARE_FLAG(std::string, control);
ABSL_DECLARE_FLAG(std::string, key_category);
ABSL_DECLARE_FLAG(std::string, checkpoint);
ABSL_DECLARE_FLAG(std::string, direction);
ABSL_DECLARE_FLAG(std::string, temp);
ABSL_DECLARE_FLAG(std::string, staff);
ABSL_DECLARE_FLAG(std::string, visitor_name);
ABSL_DECLARE_FLAG(std::string, status);
ABSL_DECLARE_FLAG(std::string, note);
ABSL_DECLARE_FLAG(std::string, by);
ABSL_DECLARE_FLAG(std::string, control_start);
ABSL_DECLARE_FLAG(std::string, control_end);
ABSL_DECLARE_FLAG(std::string, special_care);
ABSL_DECLARE_FLAG(std::string, role);
ABSL_DECLARE_FLAG(std::string, shift);
ABSL_DECLARE_FLAG(std::string, resident);
ABSL_DECLARE_FLAG(std::string, symptoms);
ABSL_DECLARE_FLAG(bool, unmasked);  // defined in cli_token.cc
ABSL_DECLARE_FLAG(int, interval_hours);
ABSL_DECLARE_FLAG(bool, skip_bad);
ABSL_DECLARE_FLAG(std::string, scope);

#endif  // OUTPOST_CLIENT_CLI_FLAGS_H_
