// The Outpost domain schema as replicated data (see sync/schema.h). Domain
// services (later issues) add their tables here; changing it changes the
// schema version, and nodes with different versions refuse to sync.
#ifndef OUTPOST_SERVER_SCHEMA_H_
#define OUTPOST_SERVER_SCHEMA_H_

#include "sync/schema.h"

namespace outpost::server {

sync::Schema OutpostSchema();

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_SCHEMA_H_
