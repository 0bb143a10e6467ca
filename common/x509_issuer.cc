#include "common/x509_issuer.h"

#include <arpa/inet.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

namespace rotagent::x509 {
namespace {

Status AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::X509Ext ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return Internal("cannot add extension " + value + ": " + ossl::LastError());
  }
  return Status::Ok();
}

}  // namespace

Result<ossl::X509Ptr> IssueFor(EVP_PKEY* public_key, const IssueParams& p, X509* issuer_cert,
                               EVP_PKEY* issuer_key) {
  ossl::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  ossl::Bignum bn(BN_bin2bn(serial, sizeof serial, nullptr));
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(p.not_before_offset));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  static_cast<long>(p.not_before_offset + p.lifetime));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(p.common_name.c_str()), -1, -1,
                             0);
  X509* issuer = issuer_cert != nullptr ? issuer_cert : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
  X509_set_pubkey(cert.get(), public_key);
  if (p.is_ca) {
    ROTAGENT_RETURN_IF_ERROR(AddExt(cert.get(), issuer, NID_basic_constraints, "critical,CA:TRUE"));
    ROTAGENT_RETURN_IF_ERROR(
        AddExt(cert.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign"));
  } else {
    ROTAGENT_RETURN_IF_ERROR(
        AddExt(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE"));
    ROTAGENT_RETURN_IF_ERROR(
        AddExt(cert.get(), issuer, NID_key_usage, "critical,digitalSignature"));
    std::string eku;
    if (p.server_auth) eku = "serverAuth";
    if (p.client_auth) eku += eku.empty() ? "clientAuth" : ",clientAuth";
    if (!eku.empty()) ROTAGENT_RETURN_IF_ERROR(AddExt(cert.get(), issuer, NID_ext_key_usage, eku));
  }
  ROTAGENT_RETURN_IF_ERROR(AddExt(cert.get(), issuer, NID_subject_key_identifier, "hash"));
  std::string san;
  for (const auto& d : p.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& ip : p.ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
  if (!san.empty()) ROTAGENT_RETURN_IF_ERROR(AddExt(cert.get(), issuer, NID_subject_alt_name, san));
  EVP_PKEY* signer = issuer_key != nullptr ? issuer_key : public_key;
  const EVP_MD* md = EVP_PKEY_get_base_id(signer) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  if (X509_sign(cert.get(), signer, md) <= 0)
    return Internal("signing failed: " + ossl::LastError());
  return cert;
}

Result<Issued> Issue(const IssueParams& p, X509* issuer_cert, EVP_PKEY* issuer_key) {
  Issued out;
  out.key.reset(EVP_EC_gen("prime256v1"));
  if (!out.key) return Internal("key generation failed: " + ossl::LastError());
  auto cert = IssueFor(out.key.get(), p, issuer_cert, issuer_key);
  if (!cert.ok()) return cert.status();
  out.cert = std::move(*cert);
  return out;
}

}  // namespace rotagent::x509
