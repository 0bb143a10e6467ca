#include "agent/credentialz/credentialz_service.h"

#include <spdlog/spdlog.h>

#include "agent/audit/call.h"
#include "agent/credentialz/audit_targets.h"
#include "agent/credentialz/credentialz_translate.h"
#include "agent/grpc_status.h"
#include "agent/rotate_stream.h"
#include "agent/rotate_stream_loop.h"

namespace rotagent::credentialz {
namespace {

constexpr const char* kService = "gnsi.credentialz.v1.Credentialz";

// How a credentialz stream's end is worded (both RPCs alike).
StreamNames Names() {
  return {"credentialz Rotate", "finalize", "every change of this stream was rolled back",
          "stream ended before any change"};
}

}  // namespace

CredentialzService::CredentialzService(
    Engine& engine, std::function<std::shared_ptr<const authz::Authorizer>()> authorizer,
    std::function<StreamTimeouts()> timeouts)
    : engine_(engine), authorizer_(std::move(authorizer)), timeouts_(std::move(timeouts)) {}

Status CredentialzService::Authorize(grpc::ServerContext* ctx, const char* method) const {
  const std::string rpc = std::string("/") + kService + "/" + method;
  return audit::Authorization(ctx, rpc, authorizer_()->Check(rpc, PeerCertificatePem(ctx)));
}

grpc::Status CredentialzService::RotateAccountCredentials(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<pb::RotateAccountCredentialsResponse,
                             pb::RotateAccountCredentialsRequest>* stream) {
  audit::Call record(ctx, std::string("/") + kService + "/RotateAccountCredentials");
  return record.End(AccountStream(ctx, stream, record));
}

grpc::Status CredentialzService::RotateHostParameters(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<pb::RotateHostParametersResponse, pb::RotateHostParametersRequest>*
        stream) {
  audit::Call record(ctx, std::string("/") + kService + "/RotateHostParameters");
  return record.End(HostStream(ctx, stream, record));
}

grpc::Status CredentialzService::AccountStream(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<pb::RotateAccountCredentialsResponse,
                             pb::RotateAccountCredentialsRequest>* stream,
    audit::Call& record) {
  if (Status s = Authorize(ctx, "RotateAccountCredentials"); !s.ok()) return ToGrpc(s);
  auto rotation = engine_.Begin("RotateAccountCredentials", StreamOpen(ctx));
  if (!rotation.ok()) return ToGrpc(rotation.status());
  Rotation& rot = **rotation;
  record.Began("account credentials", "");
  spdlog::info("credentialz RotateAccountCredentials from {}", ctx->peer());
  return RunRotateStream(
      ctx, stream, rot.session(), timeouts_(), Names(), nullptr,
      [&](pb::RotateAccountCredentialsRequest& req) { return HandleAccount(rot, req, record); },
      [&record] { record.ReadEnded(); });
}

StreamStep<pb::RotateAccountCredentialsResponse> CredentialzService::HandleAccount(
    Rotation& rot, pb::RotateAccountCredentialsRequest& req, audit::Call& record) {
  using Step = StreamStep<pb::RotateAccountCredentialsResponse>;
  const AuditStep step = AuditOf(req);  // before translation wipes the secrets
  pb::RotateAccountCredentialsResponse resp;
  Status s;
  switch (req.request_case()) {
    case pb::RotateAccountCredentialsRequest::kPassword: {
      auto updates = PasswordsFromProto(*req.mutable_password());
      s = updates.ok() ? rot.SetPasswords(*updates, req.force_overwrite()) : updates.status();
      resp.mutable_password();
      break;
    }
    case pb::RotateAccountCredentialsRequest::kCredential: {
      auto updates = KeysFromProto(req.credential());
      s = updates.ok() ? rot.SetAuthorizedKeys(*updates, req.force_overwrite()) : updates.status();
      resp.mutable_credential();
      break;
    }
    case pb::RotateAccountCredentialsRequest::kUser: {
      auto updates = PrincipalsFromProto(req.user());
      s = updates.ok() ? rot.SetPrincipals(*updates, req.force_overwrite()) : updates.status();
      resp.mutable_user();
      break;
    }
    case pb::RotateAccountCredentialsRequest::kFinalize:
      return Step::Finalize();
    case pb::RotateAccountCredentialsRequest::REQUEST_NOT_SET:
      return Step::Fail(
          InvalidArgument("request holds none of credential, user, password, finalize"));
  }
  record.Step(step.what, step.version, s);
  if (!s.ok()) return Step::Fail(s);
  return Step::Reply(std::move(resp));
}

grpc::Status CredentialzService::HostStream(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<pb::RotateHostParametersResponse, pb::RotateHostParametersRequest>*
        stream,
    audit::Call& record) {
  if (Status s = Authorize(ctx, "RotateHostParameters"); !s.ok()) return ToGrpc(s);
  auto rotation = engine_.Begin("RotateHostParameters", StreamOpen(ctx));
  if (!rotation.ok()) return ToGrpc(rotation.status());
  Rotation& rot = **rotation;
  record.Began("host parameters", "");
  spdlog::info("credentialz RotateHostParameters from {}", ctx->peer());
  return RunRotateStream(
      ctx, stream, rot.session(), timeouts_(), Names(), nullptr,
      [&](pb::RotateHostParametersRequest& req) { return HandleHost(rot, req, record); },
      [&record] { record.ReadEnded(); });
}

StreamStep<pb::RotateHostParametersResponse> CredentialzService::HandleHost(
    Rotation& rot, pb::RotateHostParametersRequest& req, audit::Call& record) {
  using Step = StreamStep<pb::RotateHostParametersResponse>;
  const AuditStep step = AuditOf(req);  // before translation wipes the secrets
  pb::RotateHostParametersResponse resp;
  Status s;
  switch (req.request_case()) {
    case pb::RotateHostParametersRequest::kSshCaPublicKey: {
      const auto& r = req.ssh_ca_public_key();
      auto keys = CaKeysFromProto(r);
      s = keys.ok() ? rot.SetCaKeys(*keys, {r.version(), r.created_on(), 0}) : keys.status();
      resp.mutable_ssh_ca_public_key();
      break;
    }
    case pb::RotateHostParametersRequest::kServerKeys: {
      const store::EntityMeta meta{req.server_keys().version(), req.server_keys().created_on(), 0};
      auto uploads = ServerKeysFromProto(*req.mutable_server_keys());
      s = rot.SetServerKeys(uploads, meta);
      resp.mutable_server_keys();
      break;
    }
    case pb::RotateHostParametersRequest::kGenerateKeys: {
      const auto& r = req.generate_keys();
      std::vector<KeyKind> kinds;
      for (int g : r.key_params()) {
        auto k = KeyGenFromProto(static_cast<pb::KeyGen>(g));
        if (!k.ok()) return Step::Fail(k.status().WithContext("generate_keys"));
        kinds.push_back(*k);
      }
      auto publics = rot.GenerateKeys(kinds, {r.version(), r.created_on(), 0});
      s = publics.status();
      auto* out = resp.mutable_generate_keys();
      if (publics.ok()) {
        for (const auto& line : *publics) *out->add_public_keys() = PublicKeyToProto(line);
      }
      break;
    }
    case pb::RotateHostParametersRequest::kAuthenticationAllowed: {
      auto methods = AuthMethodsFromProto(req.authentication_allowed());
      s = methods.ok() ? rot.SetAuthMethods(*methods) : methods.status();
      resp.mutable_authentication_allowed();
      break;
    }
    case pb::RotateHostParametersRequest::kAuthorizedPrincipalCheck: {
      auto tool = ToolFromProto(req.authorized_principal_check());
      s = tool.ok() ? rot.SetPrincipalCheck(*tool) : tool.status();
      resp.mutable_authorized_principal_check();
      break;
    }
    case pb::RotateHostParametersRequest::kGlome:
      return Step::Fail({Code::kUnimplemented, "GLOME is not supported on this device"});
    case pb::RotateHostParametersRequest::kFinalize:
      return Step::Finalize();
    case pb::RotateHostParametersRequest::REQUEST_NOT_SET:
      return Step::Fail(
          InvalidArgument("request holds none of ssh_ca_public_key, server_keys, generate_keys, "
                          "authentication_allowed, authorized_principal_check, finalize"));
  }
  record.Step(step.what, step.version, s);
  if (!s.ok()) return Step::Fail(s);
  return Step::Reply(std::move(resp));
}

grpc::Status CredentialzService::CanGenerateKey(grpc::ServerContext* ctx,
                                                const pb::CanGenerateKeyRequest* req,
                                                pb::CanGenerateKeyResponse* resp) {
  if (Status s = Authorize(ctx, "CanGenerateKey"); !s.ok()) return ToGrpc(s);
  resp->set_can_generate(KeyGenFromProto(req->key_params()).ok());
  return grpc::Status::OK;
}

grpc::Status CredentialzService::GetPublicKeys(grpc::ServerContext* ctx,
                                               const pb::GetPublicKeysRequest* /*req*/,
                                               pb::GetPublicKeysResponse* resp) {
  if (Status s = Authorize(ctx, "GetPublicKeys"); !s.ok()) return ToGrpc(s);
  auto keys = engine_.PublicKeys();
  if (!keys.ok()) return ToGrpc(keys.status());
  for (const auto& line : *keys) *resp->add_public_keys() = PublicKeyToProto(line);
  return grpc::Status::OK;
}

}  // namespace rotagent::credentialz
