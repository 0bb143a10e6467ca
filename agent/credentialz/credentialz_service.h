// gnsi.credentialz.v1.Credentialz over gRPC: translates protobuf to the engine's domain types
// and back, checks the caller's authorization, and nothing else.
#pragma once

#include <functional>
#include <memory>

#include "agent/audit/call.h"
#include "agent/authz/authorizer.h"
#include "agent/credentialz/engine.h"
#include "agent/rotate_stream.h"
#include "agent/rotate_stream_loop.h"
#include "gnsi/credentialz/v1/credentialz.grpc.pb.h"

namespace rotagent::credentialz {

class CredentialzService final : public gnsi::credentialz::v1::Credentialz::Service {
 public:
  CredentialzService(Engine& engine,
                     std::function<std::shared_ptr<const authz::Authorizer>()> authorizer,
                     std::function<StreamTimeouts()> timeouts);

  grpc::Status RotateAccountCredentials(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<gnsi::credentialz::v1::RotateAccountCredentialsResponse,
                               gnsi::credentialz::v1::RotateAccountCredentialsRequest>* stream)
      override;
  grpc::Status RotateHostParameters(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<gnsi::credentialz::v1::RotateHostParametersResponse,
                               gnsi::credentialz::v1::RotateHostParametersRequest>* stream)
      override;
  grpc::Status CanGenerateKey(grpc::ServerContext* ctx,
                              const gnsi::credentialz::v1::CanGenerateKeyRequest* req,
                              gnsi::credentialz::v1::CanGenerateKeyResponse* resp) override;
  grpc::Status GetPublicKeys(grpc::ServerContext* ctx,
                             const gnsi::credentialz::v1::GetPublicKeysRequest* req,
                             gnsi::credentialz::v1::GetPublicKeysResponse* resp) override;

 private:
  grpc::Status AccountStream(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<gnsi::credentialz::v1::RotateAccountCredentialsResponse,
                               gnsi::credentialz::v1::RotateAccountCredentialsRequest>* stream,
      audit::Call& record);
  grpc::Status HostStream(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<gnsi::credentialz::v1::RotateHostParametersResponse,
                               gnsi::credentialz::v1::RotateHostParametersRequest>* stream,
      audit::Call& record);
  // `method` is the RPC's name within the service, e.g. "Set".
  Status Authorize(grpc::ServerContext* ctx, const char* method) const;
  // One request of a RotateAccountCredentials / RotateHostParameters stream.
  // Each records its change in `record`.
  static StreamStep<gnsi::credentialz::v1::RotateAccountCredentialsResponse> HandleAccount(
      Rotation& rot, gnsi::credentialz::v1::RotateAccountCredentialsRequest& req,
      audit::Call& record);
  static StreamStep<gnsi::credentialz::v1::RotateHostParametersResponse> HandleHost(
      Rotation& rot, gnsi::credentialz::v1::RotateHostParametersRequest& req, audit::Call& record);

  Engine& engine_;
  std::function<std::shared_ptr<const authz::Authorizer>()> authorizer_;
  std::function<StreamTimeouts()> timeouts_;
};

}  // namespace rotagent::credentialz
