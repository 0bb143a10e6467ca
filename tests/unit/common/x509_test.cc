// Splitting PEM bundles into one block per certificate, as EOS and rotctl's uploads need, and
// parsing bundles with their public keys left encoded.
#include "common/x509.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>

#include "tests/support/pki.h"

namespace rotagent::x509 {
namespace {

TEST(SplitPemCertificates, KeepsEveryCertificateInOrder) {
  const testing::Identity a = testing::MakeCa("first CA");
  const testing::Identity b = testing::MakeCa("second CA");
  auto split = SplitPemCertificates(a.cert_pem + "\n" + b.cert_pem, "trust bundle");
  ASSERT_TRUE(split.ok()) << split.status().message();
  ASSERT_EQ(split->size(), 2u);
  EXPECT_EQ((*split)[0], a.cert_pem);
  EXPECT_EQ((*split)[1], b.cert_pem);
}

TEST(SplitPemCertificates, NamesWhatHoldsNoCertificate) {
  auto none = SplitPemCertificates("garbage", "trust_bundle");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(none.status().message(), "trust_bundle: is not PEM (no BEGIN CERTIFICATE block)");
}

// A deferred parse keeps everything but the key: same DER, name and fingerprint, and the key is
// there once WithPublicKey completes the certificate.
TEST(PublicKeysDeferred, ParsesEverythingButTheKeyWhichWithPublicKeyAdds) {
  const testing::Identity a = testing::MakeCa("first CA");
  const testing::Identity b = testing::MakeCa("second CA");
  auto deferred =
      ParseCertificates(a.cert_pem + b.cert_pem, Encoding::kPem, "bundle", PublicKeys::kDeferred);
  ASSERT_TRUE(deferred.ok()) << deferred.status().message();
  ASSERT_EQ(deferred->size(), 2u);
  X509* first = (*deferred)[0].get();
  EXPECT_EQ(X509_get0_pubkey(first), nullptr);
  ERR_clear_error();
  EXPECT_EQ(CertToPem(first), a.cert_pem);
  EXPECT_EQ(SubjectText(first), SubjectText(a.cert.get()));
  EXPECT_EQ(Fingerprint(first), Fingerprint(a.cert.get()));
  ossl::X509Ptr complete = WithPublicKey(first);
  ASSERT_TRUE(complete);
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(complete.get()), a.key.get()), 1);
  // A certificate that already has its key is returned as is.
  ossl::X509Ptr same = WithPublicKey(a.cert.get());
  EXPECT_EQ(same.get(), a.cert.get());
}

TEST(PublicKeysDeferred, Pkcs7BundleParsesWithoutKeysAndRefusesGarbageAlike) {
  const testing::Identity a = testing::MakeCa("first CA");
  ossl::Pkcs7 p7(PKCS7_new());
  PKCS7_set_type(p7.get(), NID_pkcs7_signed);
  PKCS7_content_new(p7.get(), NID_pkcs7_data);
  PKCS7_add_certificate(p7.get(), a.cert.get());
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PKCS7(bio.get(), p7.get());
  const std::string pem = ossl::BioString(bio.get());
  auto deferred = ParsePkcs7(pem, "trust_bundle_pkcs7", PublicKeys::kDeferred);
  ASSERT_TRUE(deferred.ok()) << deferred.status().message();
  ASSERT_EQ(deferred->size(), 1u);
  EXPECT_EQ(CertToPem((*deferred)[0].get()), a.cert_pem);
  auto decoded = ParsePkcs7(pem, "trust_bundle_pkcs7");
  ASSERT_TRUE(decoded.ok());
  EXPECT_NE(X509_get0_pubkey((*decoded)[0].get()), nullptr);
  for (PublicKeys keys : {PublicKeys::kDecode, PublicKeys::kDeferred}) {
    auto bad = ParsePkcs7("-----BEGIN PKCS7-----\nnot base64\n-----END PKCS7-----\n",
                          "trust_bundle_pkcs7", keys);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(bad.status().message().rfind("trust_bundle_pkcs7: is not a PKCS#7 block", 0), 0u)
        << bad.status().message();
    auto truncated = ParseCertificates(
        a.cert_pem.substr(0, a.cert_pem.size() / 2) + "\n-----END CERTIFICATE-----\n",
        Encoding::kPem, "bundle", keys);
    EXPECT_FALSE(truncated.ok());
  }
}

}  // namespace
}  // namespace rotagent::x509
