#include "ctl/lab_ca.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>

#include "common/atomic_file.h"
#include "common/x509.h"
#include "common/x509_issuer.h"

namespace rotagent::ctl {
namespace fs = std::filesystem;
namespace {

constexpr const char* kKeyFile = "ca-key.pem";
constexpr const char* kCertFile = "ca-cert.pem";

}  // namespace

fs::path LabCa::CertPath(const fs::path& dir) { return dir / kCertFile; }

Status LabCa::Init(const fs::path& dir, const std::string& common_name, int days) {
  if (fs::exists(dir / kKeyFile)) {
    return Status(Code::kAlreadyExists,
                  "a lab CA already exists in " + dir.string() + "; it is never overwritten");
  }
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(dir, 0700));
  auto ca =
      x509::Issue({.common_name = common_name, .is_ca = true, .lifetime = int64_t{days} * 86400},
                  nullptr, nullptr);
  if (!ca.ok()) return ca.status();
  std::string key = x509::KeyToPem(ca->key.get());
  Status s = WriteFileAtomic(dir / kKeyFile, key, 0600);
  Wipe(key);
  ROTAGENT_RETURN_IF_ERROR(s);
  return WriteFileAtomic(dir / kCertFile, x509::CertToPem(ca->cert.get()), 0644);
}

Result<LabCa> LabCa::Load(const fs::path& dir) {
  auto cert = ReadFile(dir / kCertFile);
  auto key = ReadFile(dir / kKeyFile);
  if (!cert.ok() || !key.ok()) {
    return FailedPrecondition("no lab CA in " + dir.string() +
                              "; create one with `rotctl ca init`");
  }
  LabCa ca;
  ca.dir_ = dir;
  ca.cert_pem_ = *cert;
  ossl::Bio cb = ossl::MemBio(*cert);
  ca.cert_.reset(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
  ossl::Bio kb = ossl::MemBio(*key);
  ca.key_.reset(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
  Wipe(*key);
  if (!ca.cert_ || !ca.key_ || X509_check_private_key(ca.cert_.get(), ca.key_.get()) != 1) {
    return FailedPrecondition("the lab CA in " + dir.string() +
                              " is unreadable or its key does not match its certificate");
  }
  return ca;
}

Result<std::string> LabCa::Sign(const std::string& csr_pem, const LeafSpec& spec) const {
  auto cert = IssueFromCsr(csr_pem, spec, cert_.get(), key_.get());
  if (!cert.ok()) return cert.status();
  return x509::CertToPem(cert->get());
}

}  // namespace rotagent::ctl
