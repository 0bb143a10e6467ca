#include "agent/authz/authz_service.h"

#include <spdlog/spdlog.h>

#include "agent/audit/call.h"
#include "agent/grpc_status.h"
#include "common/text_field.h"

namespace rotagent::authz {
namespace pb = gnsi::authz::v1;
namespace {

constexpr const char* kService = "gnsi.authz.v1.Authz";

// Only the default authz profile exists.
Status CheckProfile(const std::string& id) {
  if (id.empty()) return Status::Ok();
  const bool printable = CheckTextField("authz_profile_id", id).ok();
  return NotFound("authz profile " + (printable ? "'" + id + "'" : std::string("(unprintable)")) +
                  " does not exist; this agent holds only the default one (empty id)");
}

}  // namespace

AuthzService::AuthzService(Engine& engine, std::function<StreamTimeouts()> timeouts)
    : engine_(engine), timeouts_(std::move(timeouts)) {}

Status AuthzService::Authorize(grpc::ServerContext* ctx, const char* method) const {
  const std::string rpc = std::string("/") + kService + "/" + method;
  return audit::Authorization(ctx, rpc, engine_.Current()->Check(rpc, PeerCertificatePem(ctx)));
}

grpc::Status AuthzService::Rotate(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<pb::RotateAuthzResponse, pb::RotateAuthzRequest>* stream) {
  audit::Call record(ctx, kAuthzRotate);
  return record.End(RotateStream(ctx, stream, record));
}

grpc::Status AuthzService::RotateStream(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<pb::RotateAuthzResponse, pb::RotateAuthzRequest>* stream,
    audit::Call& record) {
  if (Status s = Authorize(ctx, "Rotate"); !s.ok()) return ToGrpc(s);
  auto rotation = engine_.Begin(CallerOf(ctx), StreamOpen(ctx));
  if (!rotation.ok()) return ToGrpc(rotation.status());
  Rotation& rot = **rotation;
  record.Began("authz policy", engine_.Get().meta.version);
  spdlog::info("authz Rotate from {}", ctx->peer());
  return RunRotateStream(
      ctx, stream, rot.session(), timeouts_(),
      {"authz Rotate", "finalize_rotation", "the previous policy is back in force",
       "stream ended before any policy was uploaded"},
      nullptr, [&](pb::RotateAuthzRequest& req) { return Handle(rot, req, record); },
      [&record] { record.ReadEnded(); });
}

StreamStep<pb::RotateAuthzResponse> AuthzService::Handle(Rotation& rot, pb::RotateAuthzRequest& req,
                                                         audit::Call& record) {
  using Step = StreamStep<pb::RotateAuthzResponse>;
  if (Status s = CheckProfile(req.authz_profile_id()); !s.ok()) return Step::Fail(s);
  switch (req.rotate_request_case()) {
    case pb::RotateAuthzRequest::kUploadRequest: {
      const auto& u = req.upload_request();
      Status s = rot.Upload(u.version(), u.created_on(), u.policy(), req.force_overwrite());
      record.Step("", u.version(), s);
      if (!s.ok()) return Step::Fail(s);
      pb::RotateAuthzResponse resp;
      resp.mutable_upload_response();
      return Step::Reply(std::move(resp));
    }
    case pb::RotateAuthzRequest::kFinalizeRotation:
      return Step::Finalize();
    case pb::RotateAuthzRequest::ROTATE_REQUEST_NOT_SET:
      break;
  }
  return Step::Fail(InvalidArgument("request holds none of upload_request, finalize_rotation"));
}

grpc::Status AuthzService::Probe(grpc::ServerContext* ctx, const pb::ProbeRequest* req,
                                 pb::ProbeResponse* resp) {
  if (Status s = Authorize(ctx, "Probe"); !s.ok()) return ToGrpc(s);
  if (req->user().empty()) return {grpc::StatusCode::INVALID_ARGUMENT, "user is empty"};
  if (req->rpc().empty() || req->rpc().front() != '/') {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            "rpc must be a full method name, /<package.Service>/<Method>"};
  }
  // The same evaluator a real call meets, with the one identity asked about.
  const auto authorizer = engine_.Current();
  const Decision d = authorizer->Decide(req->rpc(), {req->user()});
  resp->set_action(d.allowed ? pb::ACTION_PERMIT : pb::ACTION_DENY);
  resp->set_version(authorizer->version());
  return grpc::Status::OK;
}

grpc::Status AuthzService::Get(grpc::ServerContext* ctx, const pb::GetRequest* req,
                               pb::GetResponse* resp) {
  if (Status s = Authorize(ctx, "Get"); !s.ok()) return ToGrpc(s);
  if (Status s = CheckProfile(req->authz_profile_id()); !s.ok()) return ToGrpc(s);
  const InForce f = engine_.Get();
  resp->set_version(f.meta.version);
  resp->set_created_on(f.meta.created_on);
  resp->set_policy(f.json);
  return grpc::Status::OK;
}

}  // namespace rotagent::authz
