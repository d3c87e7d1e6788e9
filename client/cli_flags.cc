// The `outpost` CLI's flags shared by several command groups (declared in
// cli_flags.h). A flag used by one group only is defined in that group's file.
#include "client/cli_flags.h"

#include <string>

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, node, "127.0.0.1:7400",
          "the node to talk to, HOST:PORT");
ABSL_FLAG(bool, json, false, "print the response as JSON (proto field names)");
ABSL_FLAG(int, timeout_ms, 5000, "give up on the node after this long");
ABSL_FLAG(std::string, table, "", "conflicts list: only this table");
ABSL_FLAG(std::string, community, "",
          "the community (scope): add commands, list filters");
ABSL_FLAG(std::string, id, "",
          "compound add / checkpoint add: the new row's id");
ABSL_FLAG(std::string, name, "", "a name (compound, checkpoint, resident)");
ABSL_FLAG(std::string, kind, "",
          "compound kind: commodity_housing, village_to_residence, "
          "public_rental, unmanaged");
ABSL_FLAG(std::string, compound, "", "a compound id");
ABSL_FLAG(std::string, building, "", "household: building");
ABSL_FLAG(std::string, unit, "", "household: unit");
ABSL_FLAG(std::string, room, "", "household: room");
ABSL_FLAG(std::string, household, "", "resident: household id");
ABSL_FLAG(std::string, id_number, "", "an 18-character ID-card number");
ABSL_FLAG(std::string, phone, "", "a phone number");
ABSL_FLAG(std::string, control, "",
          "none, home_quarantine, centralized_quarantine or released (update; "
          "list filter)");
ABSL_FLAG(std::string, key_category, "", "resident: key-person category");
ABSL_FLAG(std::string, checkpoint, "",
          "pass: checkpoint id; token create: the one gate a checkpoint token "
          "records at");
ABSL_FLAG(std::string, direction, "", "pass: in or out");
ABSL_FLAG(std::string, temp, "", "pass: temperature in degrees C (34.0-43.0)");
ABSL_FLAG(std::string, staff, "", "pass: the duty staff member");
ABSL_FLAG(std::string, visitor_name, "",
          "pass: name of someone not registered");
ABSL_FLAG(std::string, status, "", "alerts list: only this status");
ABSL_FLAG(std::string, note, "", "alerts ack|handle|close: what was done");
ABSL_FLAG(std::string, by, "", "alerts ack|handle|close: who did it");
ABSL_FLAG(std::string, control_start, "",
          "resident update: control start date YYYY-MM-DD");
ABSL_FLAG(std::string, control_end, "",
          "resident update: control end date YYYY-MM-DD");
ABSL_FLAG(std::string, special_care, "", "resident update: special-care group");
ABSL_FLAG(std::string, role, "",
          "staff: duty, volunteer, police, medic or party_member");
ABSL_FLAG(std::string, shift, "", "staff: HH:MM-HH:MM");
ABSL_FLAG(std::string, resident, "", "health record: the resident id");
ABSL_FLAG(std::string, symptoms, "", "health record: symptoms observed");
ABSL_FLAG(int, interval_hours, 12,
          "health due: hours between checks (12 = twice daily)");
ABSL_FLAG(
    bool, skip_bad, false,
    "import: write the good lines and put the bad ones in FILE.rejects.csv "
    "(default: a file with any bad line writes nothing)");
ABSL_FLAG(std::string, scope, "",
          "a scope (community): repair --scope; token create --scope (the "
          "community a checkpoint, registrar or operator token works in)");
