// Maps the agent's status values to gRPC's (the codes share numbering by design).
#pragma once

#include <grpcpp/support/status.h>

#include "common/status.h"

namespace rotagent {

inline grpc::Status ToGrpc(const Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return {static_cast<grpc::StatusCode>(s.code()), s.message()};
}

}  // namespace rotagent
