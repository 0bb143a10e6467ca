#include "agent/certz/certz_service.h"

#include <spdlog/spdlog.h>

#include "agent/audit/call.h"
#include "agent/certz/audit_versions.h"
#include "agent/certz/certz_translate.h"
#include "agent/certz/rotate_request_stream.h"
#include "agent/grpc_status.h"
#include "agent/rotate_stream.h"
#include "agent/rotate_stream_loop.h"

namespace rotagent::certz {
namespace pb = gnsi::certz::v1;

namespace {

constexpr const char* kService = "gnsi.certz.v1.Certz";

}  // namespace

CertzService::CertzService(Engine& engine,
                           std::function<std::shared_ptr<const authz::Authorizer>()> authorizer,
                           std::function<StreamTimeouts()> timeouts)
    : engine_(engine), authorizer_(std::move(authorizer)), timeouts_(std::move(timeouts)) {
  // Rotate is method 0 of the generated service; its handler is replaced by one that hands over
  // the requests' bytes (the generated code registers handlers the same way).
  MarkMethodStreamed(
      0, new grpc::internal::BidiStreamingHandler<CertzService, grpc::ByteBuffer, grpc::ByteBuffer>(
             [](CertzService* service, grpc::ServerContext* ctx,
                grpc::ServerReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>* raw) {
               return service->RotateRaw(ctx, raw);
             },
             this));
}

Status CertzService::Authorize(grpc::ServerContext* ctx, const char* method) const {
  const std::string rpc = std::string("/") + kService + "/" + method;
  return audit::Authorization(ctx, rpc, authorizer_()->Check(rpc, PeerCertificatePem(ctx)));
}

grpc::Status CertzService::RotateRaw(
    grpc::ServerContext* ctx, grpc::ServerReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>* raw) {
  audit::Call record(ctx, std::string("/") + kService + "/Rotate");
  RotateRequestStream stream(raw);
  return record.End(RotateStream(ctx, &stream, record));
}

grpc::Status CertzService::RotateStream(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriterInterface<pb::RotateCertificateResponse, pb::RotateCertificateRequest>*
        stream,
    audit::Call& record) {
  if (Status s = Authorize(ctx, "Rotate"); !s.ok()) return ToGrpc(s);
  // The first request names the profile the whole stream rotates.
  pb::RotateCertificateRequest first;
  if (!stream->Read(&first)) {
    if (Status bad = detail::UnreadableRequest(stream); !bad.ok()) return ToGrpc(bad);
    return {grpc::StatusCode::INVALID_ARGUMENT, "stream closed before any request"};
  }
  const std::string profile = first.ssl_profile_id();
  if (profile.empty()) return {grpc::StatusCode::INVALID_ARGUMENT, "ssl_profile_id is empty"};
  auto rotation = engine_.Begin(profile, CallerOf(ctx), StreamOpen(ctx));
  if (!rotation.ok()) return ToGrpc(rotation.status());
  Rotation& rot = **rotation;
  record.Began(profile, engine_.CommittedVersions(profile));
  spdlog::info("certz Rotate on profile '{}' from {}", profile, ctx->peer());
  using Step = StreamStep<pb::RotateCertificateResponse>;
  return RunRotateStream(
      ctx, stream, rot.session(), timeouts_(),
      {"certz Rotate on profile '" + profile + "'", "finalize_rotation",
       "the rotation was rolled back", ""},
      &first, [&](pb::RotateCertificateRequest& req) -> Step { return Handle(rot, req, record); },
      [&record] { record.ReadEnded(); });
}

StreamStep<pb::RotateCertificateResponse> CertzService::Handle(Rotation& rot,
                                                               pb::RotateCertificateRequest& req,
                                                               audit::Call& record) {
  using Step = StreamStep<pb::RotateCertificateResponse>;
  if (req.ssl_profile_id() != rot.profile()) {
    return Step::Fail(InvalidArgument("this stream rotates profile '" + rot.profile() +
                                      "' but a request names '" + req.ssl_profile_id() +
                                      "'; use one stream per profile"));
  }
  pb::RotateCertificateResponse resp;
  switch (req.rotate_request_case()) {
    case pb::RotateCertificateRequest::kGenerateCsr: {
      auto suite = SuiteFromProto(req.generate_csr().params().csr_suite());
      if (!suite.ok()) return Step::Fail(suite.status().WithContext("generate_csr"));
      auto csr = rot.GenerateCsr(*suite, SubjectFromProto(req.generate_csr().params()));
      if (!csr.ok()) return Step::Fail(csr.status().WithContext("generate_csr"));
      auto* out = resp.mutable_generated_csr()->mutable_certificate_signing_request();
      out->set_type(pb::CERTIFICATE_TYPE_X509);
      out->set_encoding(pb::CERTIFICATE_ENCODING_PEM);
      out->set_certificate_signing_request(*csr);
      return Step::Reply(std::move(resp));
    }
    case pb::RotateCertificateRequest::kCertificates: {
      auto uploads = UploadFromProto(req.certificates());
      if (!uploads.ok()) {
        record.Step("certificates", "", uploads.status().WithContext("certificates"));
        return Step::Fail(uploads.status().WithContext("certificates"));
      }
      Status s = rot.Upload(*uploads, req.force_overwrite());
      record.Step("certificates", AuditVersions(*uploads), s);
      if (!s.ok()) return Step::Fail(s.WithContext("certificates"));
      resp.mutable_certificates();
      return Step::Reply(std::move(resp));
    }
    case pb::RotateCertificateRequest::kFinalizeRotation:
      return Step::Finalize();
    case pb::RotateCertificateRequest::ROTATE_REQUEST_NOT_SET:
      break;
  }
  return Step::Fail(
      InvalidArgument("request holds none of generate_csr, certificates, finalize_rotation"));
}

grpc::Status CertzService::AddProfile(grpc::ServerContext* ctx, const pb::AddProfileRequest* req,
                                      pb::AddProfileResponse* /*resp*/) {
  if (Status s = Authorize(ctx, "AddProfile"); !s.ok()) return ToGrpc(s);
  if (req->ssl_profile_id() == kDefaultProfile) {
    return {grpc::StatusCode::ALREADY_EXISTS, "system_default_profile always exists"};
  }
  Status s = engine_.AddProfile(req->ssl_profile_id());
  audit::Call(ctx, std::string("/") + kService + "/AddProfile")
      .Changed(audit::kProfileAdded, req->ssl_profile_id(), s);
  return ToGrpc(s);
}

grpc::Status CertzService::DeleteProfile(grpc::ServerContext* ctx,
                                         const pb::DeleteProfileRequest* req,
                                         pb::DeleteProfileResponse* /*resp*/) {
  if (Status s = Authorize(ctx, "DeleteProfile"); !s.ok()) return ToGrpc(s);
  const std::string before = engine_.CommittedVersions(req->ssl_profile_id());
  Status s = engine_.DeleteProfile(req->ssl_profile_id(), CallerOf(ctx));
  audit::Call(ctx, std::string("/") + kService + "/DeleteProfile")
      .Changed(audit::kProfileDeleted, req->ssl_profile_id(), s, before);
  return ToGrpc(s);
}

grpc::Status CertzService::GetProfileList(grpc::ServerContext* ctx,
                                          const pb::GetProfileListRequest* /*req*/,
                                          pb::GetProfileListResponse* resp) {
  if (Status s = Authorize(ctx, "GetProfileList"); !s.ok()) return ToGrpc(s);
  for (const auto& id : engine_.ListProfiles()) resp->add_ssl_profile_ids(id);
  return grpc::Status::OK;
}

grpc::Status CertzService::CanGenerateCSR(grpc::ServerContext* ctx,
                                          const pb::CanGenerateCSRRequest* req,
                                          pb::CanGenerateCSRResponse* resp) {
  if (Status s = Authorize(ctx, "CanGenerateCSR"); !s.ok()) return ToGrpc(s);
  resp->set_can_generate(SuiteFromProto(req->params().csr_suite()).ok());
  return grpc::Status::OK;
}

grpc::Status CertzService::GetIntegrityManifest(grpc::ServerContext* ctx,
                                                const pb::GetIntegrityManifestRequest* /*req*/,
                                                pb::GetIntegrityManifestResponse* /*resp*/) {
  if (Status s = Authorize(ctx, "GetIntegrityManifest"); !s.ok()) return ToGrpc(s);
  return {grpc::StatusCode::UNIMPLEMENTED, "this device has no TPM integrity manifest"};
}

}  // namespace rotagent::certz
