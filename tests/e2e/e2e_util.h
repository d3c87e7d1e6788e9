// Helpers shared by the end-to-end tests: writing rows through Admin.Put,
// reading them back, polling until a condition holds.
#ifndef OUTPOST_TESTS_E2E_E2E_UTIL_H_
#define OUTPOST_TESTS_E2E_E2E_UTIL_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "outpost/v1/node.grpc.pb.h"
#include "server/grpc_status.h"
#include "sync/version_vector.h"
#include "tools/testbed/node_process.h"

namespace outpost::testing {

inline grpc::ClientContext* WithDeadline(grpc::ClientContext* context,
                                         int seconds = 10) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(seconds));
  return context;
}

// Puts passages `first`..`first+count-1` of `scope` in batches of `batch`.
inline absl::Status PutPassages(NodeProcess& node, const std::string& scope,
                                int first, int count, int batch = 2000) {
  for (int start = first; start < first + count; start += batch) {
    outpost::v1::PutManyRequest request;
    for (int i = start; i < std::min(first + count, start + batch); ++i) {
      auto* put = request.add_puts();
      put->set_table("passages");
      put->set_row_id(absl::StrCat(scope, "-", 10000000 + i));
      put->set_scope(scope);
      (*put->mutable_fields())["checkpoint"].set_text_value(scope + "-cp1");
      (*put->mutable_fields())["temp"].set_real_value(36.5);
      (*put->mutable_fields())["direction"].set_text_value(i % 2 ? "in"
                                                                 : "out");
    }
    grpc::ClientContext context;
    outpost::v1::PutManyResponse response;
    grpc::Status status =
        node.admin().PutMany(WithDeadline(&context, 60), request, &response);
    if (!status.ok()) return server::FromGrpcStatus(status);
  }
  return absl::OkStatus();
}

inline absl::Status PutField(NodeProcess& node, const std::string& table,
                             const std::string& row, const std::string& scope,
                             const std::string& field,
                             const std::string& value) {
  outpost::v1::PutRequest request;
  request.set_table(table);
  request.set_row_id(row);
  request.set_scope(scope);
  request.set_author(node.spec().node_id + "-operator");
  (*request.mutable_fields())[field].set_text_value(value);
  grpc::ClientContext context;
  outpost::v1::PutResponse response;
  return server::FromGrpcStatus(
      node.admin().Put(WithDeadline(&context), request, &response));
}

inline absl::StatusOr<outpost::v1::GetResponse> GetRow(NodeProcess& node,
                                                       const std::string& table,
                                                       const std::string& row) {
  outpost::v1::GetRequest request;
  request.set_table(table);
  request.set_row_id(row);
  grpc::ClientContext context;
  outpost::v1::GetResponse response;
  grpc::Status status =
      node.admin().Get(WithDeadline(&context), request, &response);
  if (!status.ok()) return server::FromGrpcStatus(status);
  return response;
}

inline absl::StatusOr<outpost::v1::VerifyResponse> Verify(NodeProcess& node) {
  grpc::ClientContext context;
  outpost::v1::VerifyResponse response;
  grpc::Status status = node.admin().Verify(
      WithDeadline(&context), outpost::v1::VerifyRequest(), &response);
  if (!status.ok()) return server::FromGrpcStatus(status);
  return response;
}

inline absl::StatusOr<std::vector<std::string>> ConflictIds(NodeProcess& node) {
  grpc::ClientContext context;
  outpost::v1::ConflictsResponse response;
  grpc::Status status = node.admin().Conflicts(
      WithDeadline(&context), outpost::v1::ConflictsRequest(), &response);
  if (!status.ok()) return server::FromGrpcStatus(status);
  std::vector<std::string> ids;
  for (const auto& c : response.conflicts()) ids.push_back(c.id());
  return ids;
}

// How many changes `node` wrote, over all its replicas (runs), that `vv`
// has seen.
inline uint64_t VvGet(const outpost::v1::VersionVector& vv,
                      const std::string& node) {
  return sync::VersionVector::FromProto(vv).NodeTotal(node);
}

// Polls `done` every 100 ms until it returns true or `timeout` passes.
inline bool WaitFor(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return done();
}

// True once the community verifies equal with its upstream.
inline bool VerifiedEqual(NodeProcess& community) {
  absl::StatusOr<outpost::v1::VerifyResponse> v = Verify(community);
  return v.ok() && v->all_equal() && v->entries_size() > 0;
}

}  // namespace outpost::testing

#endif  // OUTPOST_TESTS_E2E_E2E_UTIL_H_
