#include "tests/support/pki.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <stdexcept>

#include "common/x509.h"

namespace rotagent::testing {
namespace {

Identity Wrap(x509::Issued i) {
  Identity id;
  id.cert_pem = x509::CertToPem(i.cert.get());
  id.key_pem = x509::KeyToPem(i.key.get());
  id.cert = std::move(i.cert);
  id.key = std::move(i.key);
  return id;
}

template <typename T>
T Must(Result<T> r) {
  if (!r.ok()) throw std::runtime_error(r.status().message());
  return std::move(r.value());
}

}  // namespace

Identity MakeCa(const std::string& cn) {
  return Wrap(Must(
      x509::Issue({.common_name = cn, .is_ca = true, .lifetime = 86400 * 365}, nullptr, nullptr)));
}

Identity MakeLeaf(const Identity& ca, const std::string& cn, int64_t not_before_offset,
                  int64_t lifetime) {
  return Wrap(Must(x509::Issue({.common_name = cn,
                                .dns_names = {"localhost"},
                                .ip_addresses = {"127.0.0.1"},
                                .not_before_offset = not_before_offset,
                                .lifetime = lifetime},
                               ca.cert.get(), ca.key.get())));
}

Identity MakeLeafWithRawNames(const Identity& ca, const std::vector<std::string>& common_names,
                              const std::vector<std::string>& dns_names) {
  Identity id = MakeLeaf(ca, "placeholder");
  ossl::X509Name name(X509_NAME_new());
  for (const auto& cn : common_names) {
    X509_NAME_add_entry_by_NID(name.get(), NID_commonName, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.data()),
                               static_cast<int>(cn.size()), -1, 0);
  }
  X509_set_subject_name(id.cert.get(), name.get());
  if (!dns_names.empty()) {
    X509_EXTENSION_free(X509_delete_ext(
        id.cert.get(), X509_get_ext_by_NID(id.cert.get(), NID_subject_alt_name, -1)));
    ossl::GeneralNames sans(GENERAL_NAMES_new());
    for (const auto& dns : dns_names) {
      GENERAL_NAME* n = GENERAL_NAME_new();
      ASN1_IA5STRING* v = ASN1_IA5STRING_new();
      ASN1_STRING_set(v, dns.data(), static_cast<int>(dns.size()));
      GENERAL_NAME_set0_value(n, GEN_DNS, v);
      sk_GENERAL_NAME_push(sans.get(), n);
    }
    X509_add1_ext_i2d(id.cert.get(), NID_subject_alt_name, sans.get(), 0, X509V3_ADD_REPLACE);
  }
  X509_sign(id.cert.get(), ca.key.get(), EVP_sha256());
  id.cert_pem = x509::CertToPem(id.cert.get());
  return id;
}

Identity MakeServer(const Identity& ca, const std::string& cn) { return MakeLeaf(ca, cn); }

std::string SignCsr(const Identity& ca, const std::string& csr_pem, const std::string& cn) {
  auto bio = ossl::MemBio(csr_pem);
  ossl::X509Req req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) throw std::runtime_error("bad CSR");
  if (X509_REQ_verify(req.get(), X509_REQ_get0_pubkey(req.get())) != 1) {
    throw std::runtime_error("CSR signature does not verify");
  }
  auto cert = Must(
      x509::IssueFor(X509_REQ_get0_pubkey(req.get()),
                     {.common_name = cn, .dns_names = {"localhost"}, .ip_addresses = {"127.0.0.1"}},
                     ca.cert.get(), ca.key.get()));
  return x509::CertToPem(cert.get());
}

std::string MakeCrl(const Identity& ca, const std::vector<const Identity*>& revoked,
                    int64_t next_update_offset) {
  ossl::X509Crl crl(X509_CRL_new());
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.cert.get()));
  ASN1_TIME* now = ASN1_TIME_adj(nullptr, time(nullptr), 0, -120);
  ASN1_TIME* next = ASN1_TIME_adj(nullptr, time(nullptr), 0, static_cast<long>(next_update_offset));
  X509_CRL_set1_lastUpdate(crl.get(), now);
  X509_CRL_set1_nextUpdate(crl.get(), next);
  for (const Identity* r : revoked) {
    X509_REVOKED* rev = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(rev, X509_get_serialNumber(r->cert.get()));
    X509_REVOKED_set_revocationDate(rev, now);
    X509_CRL_add0_revoked(crl.get(), rev);
  }
  ASN1_TIME_free(now);
  ASN1_TIME_free(next);
  X509_CRL_sort(crl.get());
  X509_CRL_sign(crl.get(), ca.key.get(), EVP_sha256());
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_CRL(bio.get(), crl.get());
  return ossl::BioString(bio.get());
}

std::string RsaKeyPem(int bits) {
  ossl::Pkey k(EVP_RSA_gen(static_cast<unsigned>(bits)));
  return x509::KeyToPem(k.get());
}

std::string Fingerprint(const std::string& cert_pem) {
  auto certs = Must(x509::ParseCertificates(cert_pem, x509::Encoding::kPem, "fixture"));
  return x509::Fingerprint(certs.front().get());
}

}  // namespace rotagent::testing
