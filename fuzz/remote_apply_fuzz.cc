// Fuzz target: the remote-apply path. Input bytes are a Batch (repeated
// changes or a zlib-packed ChangeList) that a peer "yatai" sends to a central
// node over an established session: parsing, unpacking, validation,
// quarantine of out-of-scope or malformed changes, merge and the SQLite
// writes. Any crash, sanitizer report or leak is a finding; errors returned
// by the session are expected (they end that session, not the node).
//
// The store persists across inputs (like a long-running node) in a temp
// folder made once per process.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "google/protobuf/stubs/logging.h"
#include "outpost/v1/sync.pb.h"
#include "server/replicated_rows.h"
#include "server/schema.h"
#include "sync/logging.h"
#include "sync/session.h"
#include "sync/store.h"

namespace {

outpost::sync::Store* FuzzStore() {
  static outpost::sync::Store* store = [] {
    // Malformed input is expected: keep the output for findings.
    outpost::SetMinLogLevel(outpost::LogLevel::kError);
    google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*,
                                       int, const std::string&) {});
    std::string templ = "/tmp/outpost-fuzz-XXXXXX";
    const std::string dir = mkdtemp(templ.data());
    outpost::sync::StoreOptions options;
    options.path = dir + "/central.db";
    options.node_id = "central";
    options.schema = outpost::server::OutpostSchema();
    options.scopes = outpost::sync::ScopeSet::All();
    options.synchronous_full = false;
    // The node's domain rules, as outpostd installs them (server/node.cc).
    options.remote_row_check = outpost::server::ReplicatedRowCheck(
        {"fuzz-id-key-0123456789", outpost::server::IdCipher::Development()});
    auto store = outpost::sync::Store::Open(options);
    if (!store.ok()) std::abort();
    return store->release();
  }();
  return store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  outpost::v1::Batch batch;
  if (!batch.ParseFromArray(data, static_cast<int>(size))) return 0;
  outpost::sync::Store* store = FuzzStore();
  outpost::sync::SessionOptions options;
  options.role = "central";
  outpost::sync::SyncSession session(store, options);
  (void)session.Start();
  outpost::v1::SyncMessage hello;
  hello.mutable_hello()->set_node_id("yatai");
  hello.mutable_hello()->set_role("community");
  hello.mutable_hello()->set_protocol_version(
      outpost::sync::Store::kProtocolVersion);
  hello.mutable_hello()->set_schema_version(store->schema().Version());
  hello.mutable_hello()->add_scopes("yatai");
  if (!session.Handle(hello).ok()) std::abort();  // our own Hello is valid
  outpost::v1::SyncMessage message;
  *message.mutable_batch() = std::move(batch);
  message.mutable_batch()->set_batch_seq(1);
  (void)session.Handle(message);
  return 0;
}
