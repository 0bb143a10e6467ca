#include "ctl/lab_ca.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>

#include "common/atomic_file.h"
#include "common/x509_issuer.h"

namespace rotagent::ctl {
namespace fs = std::filesystem;
namespace {

constexpr const char* kKeyFile = "ca-key.pem";
constexpr const char* kCertFile = "ca-cert.pem";

std::string KeyPem(EVP_PKEY* key) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return ossl::BioString(bio.get());
}

}  // namespace

std::string CertificatePem(X509* cert) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return ossl::BioString(bio.get());
}

std::string Sha256Fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha256(), md, &n);
  std::string out;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned int i = 0; i < n; ++i) {
    if (i > 0) out += ':';
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

std::string NotAfter(X509* cert) {
  tm t{};
  ASN1_TIME_to_tm(X509_get0_notAfter(cert), &t);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &t);
  return buf;
}

std::string SubjectName(X509* cert) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  return ossl::BioString(bio.get());
}

Result<std::vector<std::string>> SplitCertificates(const std::string& pem,
                                                   const std::string& what) {
  ossl::Bio bio = ossl::MemBio(pem);
  std::vector<std::string> out;
  while (ossl::X509Ptr c{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
    out.push_back(CertificatePem(c.get()));
  }
  ERR_clear_error();  // the loop ends on "no start line"
  if (out.empty()) return InvalidArgument(what + " holds no PEM certificate");
  return out;
}

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
  std::string key = KeyPem(ca->key.get());
  Status s = WriteFileAtomic(dir / kKeyFile, key, 0600);
  Wipe(key);
  ROTAGENT_RETURN_IF_ERROR(s);
  return WriteFileAtomic(dir / kCertFile, CertificatePem(ca->cert.get()), 0644);
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
  ossl::Bio bio = ossl::MemBio(csr_pem);
  ossl::X509Req req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) return InvalidArgument("the device's CSR is not a PEM PKCS#10 request");
  EVP_PKEY* pub = X509_REQ_get0_pubkey(req.get());
  if (pub == nullptr || X509_REQ_verify(req.get(), pub) != 1) {
    return InvalidArgument("the device's CSR signature does not verify");
  }
  auto cert = x509::IssueFor(pub,
                             {.common_name = spec.common_name,
                              .dns_names = spec.dns_names,
                              .server_auth = spec.server,
                              .client_auth = !spec.server,
                              .lifetime = int64_t{spec.days} * 86400},
                             cert_.get(), key_.get());
  if (!cert.ok()) return cert.status();
  return CertificatePem(cert->get());
}

}  // namespace rotagent::ctl
