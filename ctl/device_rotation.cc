#include "ctl/device_rotation.h"

#include <cstdio>
#include <ctime>

#include "common/x509.h"
#include "ctl/agent_link.h"
#include "ctl/device_status.h"

namespace rotagent::ctl {
namespace {

namespace cz = gnsi::credentialz::v1;
namespace pb = gnsi::certz::v1;

constexpr int kStreamSeconds = 60;

Status FromGrpc(const grpc::Status& s, const std::string& what) {
  return Status(static_cast<Code>(s.error_code()), what + ": " + s.error_message());
}

// A Rotate stream that is cancelled, so the agent rolls back, unless it was finished.
template <typename RW>
class Stream {
 public:
  template <typename Open>
  explicit Stream(Open open) : rw_((AgentLink::SetDeadline(ctx_, kStreamSeconds), open(&ctx_))) {}
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() {
    if (!finished_) {
      ctx_.TryCancel();
      (void)rw_->Finish();
    }
  }
  RW* operator->() { return rw_.get(); }
  grpc::Status Finish() {
    finished_ = true;
    return rw_->Finish();
  }
  // The stream's own status explains a failed read or write better than the failure itself.
  Status Error(const std::string& what) {
    grpc::Status s = Finish();
    if (s.ok()) return Internal(what + ": the agent ended the stream early");
    return FromGrpc(s, what);
  }
  Status Close(const std::string& what) {
    rw_->WritesDone();
    grpc::Status s = Finish();
    return s.ok() ? Status::Ok() : FromGrpc(s, what);
  }

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<RW> rw_;
  bool finished_ = false;
};

void SetCertificate(pb::Certificate* c, const std::string& pem) {
  c->set_type(pb::CERTIFICATE_TYPE_X509);
  c->set_encoding(pb::CERTIFICATE_ENCODING_PEM);
  c->set_raw_certificate(pem);
}

void AddTrustBundle(pb::RotateCertificateRequest& req, const std::string& version,
                    const std::string& bundle_pem) {
  auto* trust = req.mutable_certificates()->add_entities();
  trust->set_version(version);
  trust->set_created_on(static_cast<uint64_t>(time(nullptr)));
  auto certs = x509::SplitPemCertificates(bundle_pem, "trust bundle");
  pb::CertificateChain* node = trust->mutable_trust_bundle();
  for (size_t i = 0; certs.ok() && i < certs->size(); ++i) {
    SetCertificate(node->mutable_certificate(), (*certs)[i]);
    if (i + 1 < certs->size()) node = node->mutable_parent();
  }
}

pb::RotateCertificateRequest Upload(const CertificatePush& push, const std::string& profile,
                                    const CheckedChain& issued) {
  pb::RotateCertificateRequest req;
  req.set_ssl_profile_id(profile);
  req.set_force_overwrite(push.force_overwrite);
  const auto now = static_cast<uint64_t>(time(nullptr));
  auto* chain = req.mutable_certificates()->add_entities();
  chain->set_version(push.version);
  chain->set_created_on(now);
  pb::CertificateChain* link = chain->mutable_certificate_chain();
  SetCertificate(link->mutable_certificate(), issued.leaf_pem);
  for (const auto& intermediate : issued.intermediates) {
    link = link->mutable_parent();
    SetCertificate(link->mutable_certificate(), intermediate);
  }
  AddTrustBundle(req, push.version, push.trust_bundle_pem);
  return req;
}

// A brand-new connection must be served the new certificate before it is finalized.
Status ProveServed(const Inventory& inv, const Device& device, const std::string& leaf_pem) {
  auto served = ServedCertificate(inv, device);
  if (!served.ok()) return served.status().WithContext("a new connection with the new certificate");
  if (*served != leaf_pem) {
    return FailedPrecondition("a new connection was not served the new certificate");
  }
  return Status::Ok();
}

// Reads the device's state back over the rotation's own connection: every credential rotctl
// just set must be reported at `version` and InSync.
Status ReadBack(AgentLink& link, const Device& device,
                const std::vector<std::pair<std::string, std::string>>& expected) {
  auto status = FetchDeviceStatus(link, device.name);
  if (!status.ok()) return status.status();
  for (const auto& [name, version] : expected) {
    const CredentialStatus* found = nullptr;
    for (const auto& c : status->credentials) {
      if (c.name == name) found = &c;
    }
    if (found == nullptr) return Internal("read-back: the device does not report " + name);
    if (found->version != version || found->synchronization_status != "InSync") {
      return Internal("read-back: the device reports " + name + " at '" + found->version + "', " +
                      found->synchronization_status + ", not " + version + " InSync");
    }
  }
  return Status::Ok();
}

Status PushProfile(const CertificatePush& push, const CertificateProfile& profile,
                   const Device& device, AgentLink& link) {
  const std::string what = "certz Rotate " + profile.id;
  Stream<grpc::ClientReaderWriter<pb::RotateCertificateRequest, pb::RotateCertificateResponse>> rw(
      [&](grpc::ClientContext* ctx) { return link.certz().Rotate(ctx); });
  pb::RotateCertificateRequest gen;
  gen.set_ssl_profile_id(profile.id);
  gen.set_force_overwrite(push.force_overwrite);
  auto* params = gen.mutable_generate_csr()->mutable_params();
  params->set_csr_suite(pb::CSRSUITE_X509_KEY_TYPE_ECDSA_PRIME256V1_SIGNATURE_ALGORITHM_SHA_2_256);
  params->set_common_name(device.name);
  params->mutable_san()->add_dns(device.name);
  if (profile.role == "server" && push.inv->server_name != device.name) {
    params->mutable_san()->add_dns(push.inv->server_name);
  }
  pb::RotateCertificateResponse resp;
  if (!rw->Write(gen) || !rw->Read(&resp)) return rw.Error(what + " (GenerateCSR)");
  // Signed, checked and archived before anything is uploaded; a refusal cancels the stream.
  auto leaf = push.issuer->Issue(
      resp.generated_csr().certificate_signing_request().certificate_signing_request(),
      {.common_name = device.name,
       .dns_names = {params->san().dns().begin(), params->san().dns().end()},
       .server = profile.role == "server",
       .days = push.inv->certificate_days},
      device.name, profile.id, push.version);
  if (!leaf.ok()) return leaf.status();
  if (!rw->Write(Upload(push, profile.id, *leaf)) || !rw->Read(&resp)) {
    Status s = rw.Error(what + " (upload)");
    if (s.code() == Code::kAlreadyExists) {
      // The device kept what it holds under this label; the archive must not point at this leaf.
      if (Status m =
              push.issuer->NotInstalled(*leaf, device.name, profile.id, push.version, s.message());
          !m.ok()) {
        std::fprintf(stderr, "rotctl: %s: the archive was not updated: %s\n", device.name.c_str(),
                     m.message().c_str());
      }
    }
    return push.accept_existing && s.code() == Code::kAlreadyExists ? Status::Ok() : s;
  }
  if (profile.role == "server") {
    // On failure the stream is cancelled when ctx goes, and the agent rolls back.
    ROTAGENT_RETURN_IF_ERROR(ProveServed(*push.inv, device, leaf->leaf_pem));
  }
  if (push.drop_before_finalize) return Status(Code::kAborted, "dropped before Finalize");
  pb::RotateCertificateRequest fin;
  fin.set_ssl_profile_id(profile.id);
  fin.mutable_finalize_rotation();
  if (!rw->Write(fin)) return rw.Error(what + " (finalize)");
  return rw.Close(what + " (finalize)");
}

// One profile's trust bundle alone; the leaf stays. A server profile's new bundle must admit
// `push.must_admit` on a brand-new connection before it is finalized.
Status PushTrustProfile(const TrustPush& push, const CertificateProfile& profile,
                        const Device& device, AgentLink& link) {
  const std::string what = "certz Rotate " + profile.id + " (trust bundle)";
  Stream<grpc::ClientReaderWriter<pb::RotateCertificateRequest, pb::RotateCertificateResponse>> rw(
      [&](grpc::ClientContext* ctx) { return link.certz().Rotate(ctx); });
  pb::RotateCertificateRequest up;
  up.set_ssl_profile_id(profile.id);
  AddTrustBundle(up, push.version, push.bundle_pem);
  pb::RotateCertificateResponse resp;
  if (!rw->Write(up) || !rw->Read(&resp)) {
    Status s = rw.Error(what);
    return push.accept_existing && s.code() == Code::kAlreadyExists ? Status::Ok() : s;
  }
  if (profile.role == "server") {
    auto fresh = AgentLink::OpenAs(*push.inv, device, push.must_admit);
    if (!fresh.ok()) return fresh.status();
    if (Status s = fresh->Probe(); !s.ok()) {
      return FailedPrecondition("a new connection with client certificate " +
                                push.must_admit.cert.string() +
                                " is not admitted under the new trust bundle: " + s.message());
    }
  }
  pb::RotateCertificateRequest fin;
  fin.set_ssl_profile_id(profile.id);
  fin.mutable_finalize_rotation();
  if (!rw->Write(fin)) return rw.Error(what + " (finalize)");
  return rw.Close(what + " (finalize)");
}

}  // namespace

Status PushTrustBundle(const TrustPush& push, const Device& device) {
  // The change is made as the identity that must stay admitted when the device admits it
  // already: the agent refuses a bundle that would lock out the connection changing it.
  auto link = AgentLink::OpenAs(*push.inv, device, push.must_admit);
  if (!link.ok() || !link->Probe().ok()) link = AgentLink::Open(*push.inv, device);
  if (!link.ok()) return link.status();
  std::vector<std::pair<std::string, std::string>> expected;
  for (const auto& profile : push.inv->PlanFor(device).certificates) {
    ROTAGENT_RETURN_IF_ERROR(PushTrustProfile(push, profile, device, *link));
    expected.emplace_back("profiles/" + profile.id + "/trust", push.version);
  }
  return ReadBack(*link, device, expected);
}

Result<std::string> ServedCertificate(const Inventory& inv, const Device& device) {
  auto fresh = AgentLink::Open(inv, device);
  if (!fresh.ok()) return fresh.status();
  grpc::ClientContext ctx;
  AgentLink::SetDeadline(ctx);
  gnmi::CapabilityResponse caps;
  grpc::Status s = fresh->gnmi().Capabilities(&ctx, gnmi::CapabilityRequest(), &caps);
  if (!s.ok()) return FromGrpc(s, "gNMI Capabilities");
  return AgentLink::ServedCertificate(ctx);
}

Status PushCertificates(const CertificatePush& push, const Device& device) {
  auto link = AgentLink::Open(*push.inv, device);
  if (!link.ok()) return link.status();
  std::vector<std::pair<std::string, std::string>> expected;
  const auto profiles = push.profiles ? *push.profiles : push.inv->PlanFor(device).certificates;
  for (const auto& profile : profiles) {
    ROTAGENT_RETURN_IF_ERROR(PushProfile(push, profile, device, *link));
    expected.emplace_back("profiles/" + profile.id + "/chain", push.version);
  }
  return ReadBack(*link, device, expected);
}

Status PushPasswords(const Inventory& inv, const std::vector<AccountPassword>& passwords,
                     bool force_overwrite, const Device& device, bool drop_before_finalize,
                     bool accept_existing) {
  auto link = AgentLink::Open(inv, device);
  if (!link.ok()) return link.status();
  Stream<grpc::ClientReaderWriter<cz::RotateAccountCredentialsRequest,
                                  cz::RotateAccountCredentialsResponse>>
      rw([&](grpc::ClientContext* ctx) {
        return link->credentialz().RotateAccountCredentials(ctx);
      });
  cz::RotateAccountCredentialsRequest req;
  req.set_force_overwrite(force_overwrite);
  const auto now = static_cast<uint64_t>(time(nullptr));
  std::vector<std::pair<std::string, std::string>> expected;
  for (const auto& p : passwords) {
    auto* a = req.mutable_password()->add_accounts();
    a->set_account(p.account);
    a->set_version(p.version);
    a->set_created_on(now);
    auto* hash = a->mutable_password()->mutable_crypto_hash();
    hash->set_hash_type(cz::PasswordRequest::CryptoHash::HASH_TYPE_CRYPT_SHA_2_512);
    hash->set_hash_value(p.hash);
    expected.emplace_back("accounts/" + p.account + "/password", p.version);
  }
  cz::RotateAccountCredentialsResponse resp;
  const std::string what = "credentialz RotateAccountCredentials";
  if (!rw->Write(req) || !rw->Read(&resp)) {
    Status s = rw.Error(what);
    if (accept_existing && s.code() == Code::kAlreadyExists)
      return ReadBack(*link, device, expected);
    return s;
  }
  if (drop_before_finalize) return Status(Code::kAborted, "dropped before Finalize");
  cz::RotateAccountCredentialsRequest fin;
  fin.mutable_finalize();
  if (!rw->Write(fin)) return rw.Error(what + " (finalize)");
  ROTAGENT_RETURN_IF_ERROR(rw.Close(what + " (finalize)"));
  return ReadBack(*link, device, expected);
}

}  // namespace rotagent::ctl
