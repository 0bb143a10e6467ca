// gnsi.authz.v1.Authz over gRPC: translates protobuf to the engine's domain types and back,
// checks the caller's authorization, and nothing else. The stream loop is the shared one.
#pragma once

#include <functional>

#include "agent/audit/call.h"
#include "agent/authz/engine.h"
#include "agent/rotate_stream.h"
#include "agent/rotate_stream_loop.h"
#include "gnsi/authz/v1/authz.grpc.pb.h"

namespace rotagent::authz {

class AuthzService final : public gnsi::authz::v1::Authz::Service {
 public:
  // `timeouts` is read per stream, so a config reload applies to new streams at once.
  AuthzService(Engine& engine, std::function<StreamTimeouts()> timeouts);

  grpc::Status Rotate(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<gnsi::authz::v1::RotateAuthzResponse,
                               gnsi::authz::v1::RotateAuthzRequest>* stream) override;
  grpc::Status Probe(grpc::ServerContext* ctx, const gnsi::authz::v1::ProbeRequest* req,
                     gnsi::authz::v1::ProbeResponse* resp) override;
  grpc::Status Get(grpc::ServerContext* ctx, const gnsi::authz::v1::GetRequest* req,
                   gnsi::authz::v1::GetResponse* resp) override;

 private:
  // Rotate after its audit record is opened; the record ends with the status returned.
  grpc::Status RotateStream(grpc::ServerContext* ctx,
                            grpc::ServerReaderWriter<gnsi::authz::v1::RotateAuthzResponse,
                                                     gnsi::authz::v1::RotateAuthzRequest>* stream,
                            audit::Call& record);
  Status Authorize(grpc::ServerContext* ctx, const char* method) const;
  // One request of a Rotate stream; records its upload in `record`.
  static StreamStep<gnsi::authz::v1::RotateAuthzResponse> Handle(
      Rotation& rot, gnsi::authz::v1::RotateAuthzRequest& req, audit::Call& record);

  Engine& engine_;
  std::function<StreamTimeouts()> timeouts_;
};

}  // namespace rotagent::authz
