#include "tests/support/certz_client.h"

#include <fstream>

namespace rotagent::testing {

std::shared_ptr<grpc::Channel> NewChannel(int port, const std::string& ca_pem,
                                          const Identity& client) {
  grpc::SslCredentialsOptions opts{ca_pem, client.key_pem, client.cert_pem};
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), grpc::SslCredentials(opts),
                                   args);
}

bool CanConnect(int port, const std::string& ca_pem, const Identity& client) {
  auto stub = pb::Certz::NewStub(NewChannel(port, ca_pem, client));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  pb::GetProfileListResponse resp;
  grpc::Status s = stub->GetProfileList(&ctx, pb::GetProfileListRequest(), &resp);
  return s.ok() || s.error_code() == grpc::StatusCode::PERMISSION_DENIED;
}

bool WaitRotationIdle(pb::Certz::Stub& stub, const std::string& profile) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    RotateStream probe(stub);
    // Finalize first is refused with FAILED_PRECONDITION once the lock is free; nothing changes.
    if (!probe.Exchange(Finalize(profile))) {
      if (probe.Finish().error_code() != grpc::StatusCode::ABORTED) return true;
    }
  }
  return false;
}

namespace {

void SetCert(pb::Certificate* c, const std::string& pem) {
  c->set_type(pb::CERTIFICATE_TYPE_X509);
  c->set_encoding(pb::CERTIFICATE_ENCODING_PEM);
  c->set_raw_certificate(pem);
}

void FillChain(pb::CertificateChain* chain, const std::vector<std::string>& certs) {
  for (size_t i = 0; i < certs.size(); ++i) {
    SetCert(chain->mutable_certificate(), certs[i]);
    if (i + 1 < certs.size()) chain = chain->mutable_parent();
  }
}

}  // namespace

pb::Entity ChainEntity(const std::string& version, uint64_t created_on,
                       const std::vector<std::string>& certs_pem, const std::string& key_pem) {
  pb::Entity e;
  e.set_version(version);
  e.set_created_on(created_on);
  FillChain(e.mutable_certificate_chain(), certs_pem);
  if (!key_pem.empty())
    e.mutable_certificate_chain()->mutable_certificate()->set_raw_private_key(key_pem);
  return e;
}

pb::Entity TrustEntity(const std::string& version, uint64_t created_on,
                       const std::vector<std::string>& certs_pem) {
  pb::Entity e;
  e.set_version(version);
  e.set_created_on(created_on);
  FillChain(e.mutable_trust_bundle(), certs_pem);
  return e;
}

pb::Entity CrlEntity(const std::string& version, uint64_t created_on,
                     const std::vector<std::string>& crls_pem) {
  pb::Entity e;
  e.set_version(version);
  e.set_created_on(created_on);
  for (const auto& pem : crls_pem) {
    auto* crl = e.mutable_certificate_revocation_list_bundle()->add_certificate_revocation_lists();
    crl->set_type(pb::CERTIFICATE_TYPE_X509);
    crl->set_encoding(pb::CERTIFICATE_ENCODING_PEM);
    crl->set_certificate_revocation_list(pem);
  }
  return e;
}

pb::RotateCertificateRequest Upload(const std::string& profile, std::vector<pb::Entity> entities,
                                    bool force) {
  pb::RotateCertificateRequest r;
  r.set_ssl_profile_id(profile);
  r.set_force_overwrite(force);
  for (auto& e : entities) *r.mutable_certificates()->add_entities() = std::move(e);
  return r;
}

pb::RotateCertificateRequest UploadLeaf(const std::string& profile, const std::string& version,
                                        const Identity& leaf) {
  return Upload(profile, {ChainEntity(version, 1700000000, {leaf.cert_pem}, leaf.key_pem)});
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

pb::RotateCertificateRequest Finalize(const std::string& profile) {
  pb::RotateCertificateRequest r;
  r.set_ssl_profile_id(profile);
  r.mutable_finalize_rotation();
  return r;
}

RotateStream::RotateStream(pb::Certz::Stub& stub) : rw_(stub.Rotate(&ctx_)) {}

RotateStream::~RotateStream() {
  if (!finished_) {
    ctx_.TryCancel();
    (void)rw_->Finish();
  }
}

bool RotateStream::Read(pb::RotateCertificateResponse* resp) { return rw_->Read(resp); }

bool RotateStream::Send(const pb::RotateCertificateRequest& req) { return rw_->Write(req); }

bool RotateStream::Exchange(const pb::RotateCertificateRequest& req,
                            pb::RotateCertificateResponse* resp) {
  pb::RotateCertificateResponse ignored;
  if (!rw_->Write(req)) return false;
  return rw_->Read(resp != nullptr ? resp : &ignored);
}

grpc::Status RotateStream::Finish() {
  rw_->WritesDone();
  finished_ = true;
  return rw_->Finish();
}

}  // namespace rotagent::testing
