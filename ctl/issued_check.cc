#include "ctl/issued_check.h"

#include <openssl/x509v3.h>

#include <algorithm>
#include <set>

#include "common/x509.h"

namespace rotagent::ctl {
namespace {

Status Refused(const std::string& why) {
  return FailedPrecondition("the signer's certificate was refused: " + why +
                            "; nothing was uploaded");
}

std::set<std::string> DnsNames(X509* cert, bool* other_names) {
  std::set<std::string> out;
  *other_names = false;
  ossl::GeneralNames names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names.get(), i);
    if (g->type != GEN_DNS) {
      *other_names = true;
      continue;
    }
    const ASN1_STRING* s = g->d.dNSName;
    out.emplace(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                static_cast<size_t>(ASN1_STRING_length(s)));
  }
  return out;
}

// The subject must be exactly CN=<asked>: one entry, no other attribute.
bool SubjectIs(X509* cert, const std::string& cn) {
  X509_NAME* name = X509_get_subject_name(cert);
  if (X509_NAME_entry_count(name) != 1) return false;
  const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, 0);
  if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) != NID_commonName) return false;
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(e);
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s))) == cn;
}

Status CheckUsage(X509* leaf, const LeafSpec& spec) {
  // X509_check_ca caches the extensions and says whether the certificate may act as a CA at all.
  if (X509_check_ca(leaf) != 0)
    return Refused("the leaf is a CA certificate (CA:TRUE or keyCertSign)");
  if ((X509_get_extension_flags(leaf) & EXFLAG_INVALID) != 0) {
    return Refused("the leaf's extensions do not parse");
  }
  const uint32_t ku = X509_get_key_usage(leaf);
  if ((ku & KU_DIGITAL_SIGNATURE) == 0) return Refused("the leaf lacks keyUsage digitalSignature");
  if ((ku & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) != 0) {
    return Refused("the leaf may sign certificates or CRLs");
  }
  if ((X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) == 0) {
    return Refused("the leaf has no extendedKeyUsage");
  }
  const uint32_t xku = X509_get_extended_key_usage(leaf);
  const uint32_t want = spec.server ? XKU_SSL_SERVER : XKU_SSL_CLIENT;
  if (xku != want) {
    return Refused(std::string("the leaf's extendedKeyUsage is not exactly ") +
                   (spec.server ? "serverAuth" : "clientAuth"));
  }
  return Status::Ok();
}

Status VerifyChain(X509* leaf, const std::vector<ossl::X509Ptr>& rest, const std::string& roots_pem,
                   bool server) {
  auto roots = x509::ParseCertificates(roots_pem, x509::Encoding::kPem, "signer roots");
  if (!roots.ok()) return roots.status();
  if (roots->empty()) return FailedPrecondition("no roots are configured to verify the signer");
  ossl::X509Store store(X509_STORE_new());
  for (const auto& r : *roots) X509_STORE_add_cert(store.get(), r.get());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (const auto& c : rest) sk_X509_push(untrusted, c.get());
  ossl::X509StoreCtx ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted);
  X509_STORE_CTX_set_purpose(ctx.get(), server ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT);
  const int ok = X509_verify_cert(ctx.get());
  const int err = X509_STORE_CTX_get_error(ctx.get());
  sk_X509_free(untrusted);
  if (ok != 1) {
    return Refused(std::string("the chain does not verify to the configured roots: ") +
                   X509_verify_cert_error_string(err));
  }
  return Status::Ok();
}

}  // namespace

Result<CheckedChain> CheckIssued(const std::string& chain_pem, EVP_PKEY* csr_key,
                                 const LeafSpec& spec, const std::string& roots_pem) {
  auto certs = x509::ParseCertificates(chain_pem, x509::Encoding::kPem, "signer output");
  if (!certs.ok() || certs->empty()) {
    return Refused("its output is not a PEM certificate chain");
  }
  if (certs->size() > 8) return Refused("its chain holds more than 8 certificates");
  X509* leaf = (*certs)[0].get();
  if (EVP_PKEY_eq(X509_get0_pubkey(leaf), csr_key) != 1) {
    return Refused("the leaf is not for the key in the device's CSR");
  }
  if (!SubjectIs(leaf, spec.common_name)) {
    return Refused("the leaf's subject is not exactly CN=" + spec.common_name);
  }
  bool other_names = false;
  const std::set<std::string> asked(spec.dns_names.begin(), spec.dns_names.end());
  if (DnsNames(leaf, &other_names) != asked || other_names) {
    return Refused("the leaf's subjectAltName is not exactly the DNS names asked for");
  }
  ROTAGENT_RETURN_IF_ERROR(CheckUsage(leaf, spec));
  std::vector<ossl::X509Ptr> rest;
  for (size_t i = 1; i < certs->size(); ++i) rest.push_back(std::move((*certs)[i]));
  // X509_verify_cert checks every certificate's validity period too: an expired chain fails here.
  ROTAGENT_RETURN_IF_ERROR(VerifyChain(leaf, rest, roots_pem, spec.server));
  CheckedChain out;
  out.leaf_pem = x509::CertToPem(leaf);
  out.leaf = std::move((*certs)[0]);
  for (const auto& c : rest) out.intermediates.push_back(x509::CertToPem(c.get()));
  return out;
}

}  // namespace rotagent::ctl
