// gnsi.certz.v1.Certz over gRPC: translates protobuf to the engine's domain types and back, checks
// the caller's authorization, and nothing else.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "agent/audit/call.h"
#include "agent/authz/authorizer.h"
#include "agent/certz/engine.h"
#include "agent/rotate_stream.h"
#include "agent/rotate_stream_loop.h"
#include "gnsi/certz/v1/certz.grpc.pb.h"

namespace rotagent::certz {

class CertzService final : public gnsi::certz::v1::Certz::Service {
 public:
  // `authorizer` and `timeouts` are read per call, so a config reload applies to
  // new streams at once.
  CertzService(Engine& engine, std::function<std::shared_ptr<const authz::Authorizer>()> authorizer,
               std::function<StreamTimeouts()> timeouts);

  // Rotate, served with its requests as raw bytes parsed by RotateRequestStream (deeper nesting
  // than gRPC's parse allows; see certz/rotate_request_stream.h).
  grpc::Status RotateRaw(grpc::ServerContext* ctx,
                         grpc::ServerReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>* raw);
  grpc::Status AddProfile(grpc::ServerContext* ctx, const gnsi::certz::v1::AddProfileRequest* req,
                          gnsi::certz::v1::AddProfileResponse* resp) override;
  grpc::Status DeleteProfile(grpc::ServerContext* ctx,
                             const gnsi::certz::v1::DeleteProfileRequest* req,
                             gnsi::certz::v1::DeleteProfileResponse* resp) override;
  grpc::Status GetProfileList(grpc::ServerContext* ctx,
                              const gnsi::certz::v1::GetProfileListRequest* req,
                              gnsi::certz::v1::GetProfileListResponse* resp) override;
  grpc::Status CanGenerateCSR(grpc::ServerContext* ctx,
                              const gnsi::certz::v1::CanGenerateCSRRequest* req,
                              gnsi::certz::v1::CanGenerateCSRResponse* resp) override;
  grpc::Status GetIntegrityManifest(grpc::ServerContext* ctx,
                                    const gnsi::certz::v1::GetIntegrityManifestRequest* req,
                                    gnsi::certz::v1::GetIntegrityManifestResponse* resp) override;

 private:
  grpc::Status RotateStream(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriterInterface<gnsi::certz::v1::RotateCertificateResponse,
                                        gnsi::certz::v1::RotateCertificateRequest>* stream,
      audit::Call& record);
  // `method` is the RPC's name within the service, e.g. "Set".
  Status Authorize(grpc::ServerContext* ctx, const char* method) const;
  // One request of a Rotate stream on `rot`'s profile; records its upload in `record`.
  static StreamStep<gnsi::certz::v1::RotateCertificateResponse> Handle(
      Rotation& rot, gnsi::certz::v1::RotateCertificateRequest& req, audit::Call& record);

  Engine& engine_;
  std::function<std::shared_ptr<const authz::Authorizer>()> authorizer_;
  std::function<StreamTimeouts()> timeouts_;
};

}  // namespace rotagent::certz
