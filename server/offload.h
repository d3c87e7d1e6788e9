// Runs a unary call's blocking work (SQLite, upstream calls) on a WorkPool and
// finishes the call with its status: gRPC callback threads never block.
// A call the AuthInterceptor refused finishes at once with its error.
#ifndef OUTPOST_SERVER_OFFLOAD_H_
#define OUTPOST_SERVER_OFFLOAD_H_

#include <grpcpp/grpcpp.h>

#include <functional>

#include "absl/status/status.h"
#include "server/auth.h"
#include "server/grpc_status.h"
#include "server/work_pool.h"

namespace outpost::server {

inline grpc::ServerUnaryReactor* Offload(WorkPool& pool,
                                         grpc::CallbackServerContext* context,
                                         std::function<absl::Status()> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // Authorization (server/auth.h) was decided when the call arrived.
  if (absl::Status allowed = CallAllowed(context); !allowed.ok()) {
    reactor->Finish(ToGrpcStatus(allowed));
    return reactor;
  }
  pool.Schedule([reactor, work = std::move(work),
                 caller = CallPrincipal(context),
                 deadline = context->deadline()] {
    // A call whose client gave up while it queued is not worth a thread:
    // a burst of stale requests cannot starve the checkpoints behind it.
    if (std::chrono::system_clock::now() > deadline) {
      reactor->Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                   "deadline passed while queued"));
      return;
    }
    ScopedCaller scoped(caller);
    reactor->Finish(ToGrpcStatus(work()));
  });
  return reactor;
}

}  // namespace outpost::server

#endif  // OUTPOST_SERVER_OFFLOAD_H_
