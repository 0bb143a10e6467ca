#include "tests/support/ca_bundle.h"

#include <openssl/pem.h>
#include <openssl/pkcs7.h>

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "common/x509.h"
#include "common/x509_issuer.h"

namespace rotagent::testing {
namespace {

// CA `i` of a bundle: `first` (CA 0) with another name and serial, signed anew. The public key
// and extensions are copied as encoded bytes: X509_set_pubkey and X509V3 would encode and decode
// the key again for every CA (about 0.5 ms each in OpenSSL 3.0; 20,000 CAs under the sanitizers
// took minutes).
ossl::X509Ptr Sibling(X509* first, EVP_PKEY* key, size_t i) {
  ossl::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), i + 1);
  X509_set1_notBefore(cert.get(), X509_get0_notBefore(first));
  X509_set1_notAfter(cert.get(), X509_get0_notAfter(first));
  const std::string cn = "bundle CA " + std::to_string(i);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  const ASN1_OBJECT* alg = nullptr;
  const unsigned char* point = nullptr;
  int point_len = 0;
  X509_ALGOR* params = nullptr;
  X509_PUBKEY_get0_param(nullptr, &point, &point_len, &params, X509_get_X509_PUBKEY(first));
  int param_type = 0;
  const void* param = nullptr;
  X509_ALGOR_get0(&alg, &param_type, &param, params);
  auto* point_copy = static_cast<unsigned char*>(OPENSSL_memdup(point, point_len));
  X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(cert.get()), OBJ_dup(alg), param_type,
                         OBJ_dup(static_cast<const ASN1_OBJECT*>(param)), point_copy, point_len);
  for (int e = 0; e < X509_get_ext_count(first); ++e) {
    X509_add_ext(cert.get(), X509_get_ext(first, e), -1);
  }
  if (X509_sign(cert.get(), key, EVP_sha256()) <= 0) {
    throw std::runtime_error("signing bundle CA " + std::to_string(i) + " failed");
  }
  return cert;
}

std::unique_ptr<CaBundle> Make(size_t n) {
  auto b = std::make_unique<CaBundle>();
  auto first = x509::Issue({.common_name = "bundle CA 0", .is_ca = true}, nullptr, nullptr);
  if (!first.ok()) throw std::runtime_error(first.status().message());
  b->key = std::move(first->key);
  ossl::Pkcs7 p7(PKCS7_new());
  PKCS7_set_type(p7.get(), NID_pkcs7_signed);
  PKCS7_content_new(p7.get(), NID_pkcs7_data);
  const ossl::X509Ptr ca0 = std::move(first->cert);
  for (size_t i = 0; i < n; ++i) {
    ossl::X509Ptr cert =
        i == 0 ? ossl::X509Ptr(X509_dup(ca0.get())) : Sibling(ca0.get(), b->key.get(), i);
    b->certs_pem.push_back(x509::CertToPem(cert.get()));
    b->multi_pem += b->certs_pem.back();
    PKCS7_add_certificate(p7.get(), cert.get());
  }
  ossl::Bio out(BIO_new(BIO_s_mem()));
  PEM_write_bio_PKCS7(out.get(), p7.get());
  char* data = nullptr;
  const long len = BIO_get_mem_data(out.get(), &data);
  b->pkcs7_pem.assign(data, static_cast<size_t>(len));
  return b;
}

void SetPem(gnsi::certz::v1::Certificate* c, const std::string& pem) {
  c->set_type(gnsi::certz::v1::CERTIFICATE_TYPE_X509);
  c->set_encoding(gnsi::certz::v1::CERTIFICATE_ENCODING_PEM);
  c->set_raw_certificate(pem);
}

}  // namespace

Identity CaBundle::Ca(size_t i) const {
  Identity id;
  id.cert_pem = certs_pem.at(i);
  auto parsed = x509::ParseCertificates(id.cert_pem, x509::Encoding::kPem, "bundle CA");
  if (!parsed.ok()) throw std::runtime_error(parsed.status().message());
  id.cert = std::move(parsed->front());
  EVP_PKEY_up_ref(key.get());
  id.key.reset(key.get());
  return id;
}

const CaBundle& CaBundleOf(size_t n) {
  static std::mutex mu;
  static std::map<size_t, std::unique_ptr<CaBundle>> cache;
  std::lock_guard lock(mu);
  auto& b = cache[n];
  if (!b) b = Make(n);
  return *b;
}

const char* BundleEncodingName(BundleEncoding e) {
  switch (e) {
    case BundleEncoding::kPkcs7:
      return "pkcs7";
    case BundleEncoding::kMultiPem:
      return "multi_pem";
    case BundleEncoding::kParentChain:
      return "parent_chain";
  }
  return "?";
}

gnsi::certz::v1::Entity BundleEntity(const std::string& version, uint64_t created_on,
                                     const CaBundle& bundle,
                                     const std::vector<std::string>& extra_pem, BundleEncoding e) {
  gnsi::certz::v1::Entity out;
  out.set_version(version);
  out.set_created_on(created_on);
  switch (e) {
    case BundleEncoding::kPkcs7: {
      std::string block = bundle.pkcs7_pem;
      if (!extra_pem.empty()) {
        // Rebuilt with the extra certificates: PKCS#7 has no append on the wire.
        std::string all = bundle.multi_pem;
        for (const auto& pem : extra_pem) all += pem;
        auto certs = x509::ParseCertificates(all, x509::Encoding::kPem, "bundle",
                                             x509::PublicKeys::kDeferred);
        if (!certs.ok()) throw std::runtime_error(certs.status().message());
        ossl::Pkcs7 p7(PKCS7_new());
        PKCS7_set_type(p7.get(), NID_pkcs7_signed);
        PKCS7_content_new(p7.get(), NID_pkcs7_data);
        for (const auto& c : *certs) PKCS7_add_certificate(p7.get(), c.get());
        ossl::Bio bio(BIO_new(BIO_s_mem()));
        PEM_write_bio_PKCS7(bio.get(), p7.get());
        char* data = nullptr;
        const long len = BIO_get_mem_data(bio.get(), &data);
        block.assign(data, static_cast<size_t>(len));
      }
      out.mutable_trust_bundle_pkcs7()->set_pkcs7_block(block);
      break;
    }
    case BundleEncoding::kMultiPem: {
      std::string all = bundle.multi_pem;
      for (const auto& pem : extra_pem) all += pem;
      SetPem(out.mutable_trust_bundle()->mutable_certificate(), all);
      break;
    }
    case BundleEncoding::kParentChain: {
      auto* node = out.mutable_trust_bundle();
      std::vector<const std::string*> all;
      for (const auto& pem : bundle.certs_pem) all.push_back(&pem);
      for (const auto& pem : extra_pem) all.push_back(&pem);
      for (size_t i = 0; i < all.size(); ++i) {
        if (i > 0) node = node->mutable_parent();
        SetPem(node->mutable_certificate(), *all[i]);
      }
      break;
    }
  }
  return out;
}

}  // namespace rotagent::testing
