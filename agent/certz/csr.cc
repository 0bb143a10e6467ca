#include "agent/certz/csr.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace rotagent::certz {
namespace {

Status AddName(X509_NAME* name, const char* field, const std::string& value) {
  if (value.empty()) return Status::Ok();
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                 0) != 1) {
    return InvalidArgument(std::string("csr params: invalid ") + field + " '" + value + "' (" +
                           ossl::LastError() + ")");
  }
  return Status::Ok();
}

std::string SanText(const CsrSubject& s) {
  std::string out;
  auto add = [&out](const char* kind, const std::vector<std::string>& values) {
    for (const auto& v : values) {
      if (!out.empty()) out += ",";
      out += std::string(kind) + ":" + v;
    }
  };
  add("DNS", s.san_dns);
  add("email", s.san_emails);
  add("IP", s.san_ips);
  add("URI", s.san_uris);
  return out;
}

}  // namespace

Result<ossl::Pkey> GenerateKey(const CsrSuite& suite) {
  ossl::Pkey key;
  switch (suite.algorithm) {
    case KeyAlgorithm::kRsa:
      key.reset(EVP_RSA_gen(static_cast<unsigned int>(suite.rsa_bits)));
      break;
    case KeyAlgorithm::kEcdsa:
      key.reset(EVP_EC_gen(suite.curve.c_str()));
      break;
    case KeyAlgorithm::kEd25519:
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
      break;
  }
  if (!key) return Internal("key generation failed: " + ossl::LastError());
  return key;
}

Result<std::string> MakeCsr(EVP_PKEY* key, const CsrSuite& suite, const CsrSubject& subject) {
  if (subject.common_name.empty()) return InvalidArgument("csr params: common_name is required");
  ossl::X509Req req(X509_REQ_new());
  X509_REQ_set_version(req.get(), 0);
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  ROTAGENT_RETURN_IF_ERROR(AddName(name, "C", subject.country));
  ROTAGENT_RETURN_IF_ERROR(AddName(name, "ST", subject.state));
  ROTAGENT_RETURN_IF_ERROR(AddName(name, "L", subject.city));
  ROTAGENT_RETURN_IF_ERROR(AddName(name, "O", subject.organization));
  ROTAGENT_RETURN_IF_ERROR(AddName(name, "OU", subject.organizational_unit));
  ROTAGENT_RETURN_IF_ERROR(AddName(name, "CN", subject.common_name));
  ROTAGENT_RETURN_IF_ERROR(AddName(name, "emailAddress", subject.email_id));
  CsrSubject with_ip = subject;
  if (!subject.ip_address.empty()) with_ip.san_ips.push_back(subject.ip_address);
  std::string san = SanText(with_ip);
  if (!san.empty()) {
    ossl::X509Ext ext(X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str()));
    if (!ext) return InvalidArgument("csr params: invalid subject alternative name '" + san + "'");
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    sk_X509_EXTENSION_push(exts, ext.get());
    X509_REQ_add_extensions(req.get(), exts);
    sk_X509_EXTENSION_free(exts);
  }
  if (X509_REQ_set_pubkey(req.get(), key) != 1) return Internal("csr: " + ossl::LastError());
  const EVP_MD* md = suite.digest.empty() ? nullptr : EVP_get_digestbyname(suite.digest.c_str());
  if (X509_REQ_sign(req.get(), key, md) <= 0)
    return Internal("csr signing failed: " + ossl::LastError());
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), req.get());
  return ossl::BioString(bio.get());
}

}  // namespace rotagent::certz
