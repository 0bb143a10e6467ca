// Splitting PEM bundles into one block per certificate, as EOS and rotctl's uploads need, and
// parsing bundles with their public keys left encoded.
#include "common/x509.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>

#include <thread>
#include <vector>

#include "common/cert_cache.h"
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

// A certificate parsed with its key is parsed once: later parses of the same bytes, PEM or DER,
// and WithPublicKey of its deferred form share that parse.
TEST(CertCache, SharesOneParseOfTheSameCertificate) {
  const testing::Identity a = testing::MakeCa("cached CA");
  auto first = ParseCertificates(a.cert_pem, Encoding::kPem, "cert");
  auto again = ParseCertificates(a.cert_pem, Encoding::kPem, "cert");
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ((*first)[0].get(), (*again)[0].get());
  unsigned char* der = nullptr;
  const int len = i2d_X509(a.cert.get(), &der);
  auto from_der = ParseCertificates({reinterpret_cast<char*>(der), static_cast<size_t>(len)},
                                    Encoding::kDer, "cert");
  OPENSSL_free(der);
  ASSERT_TRUE(from_der.ok());
  EXPECT_EQ((*from_der)[0].get(), (*first)[0].get());
  auto deferred = ParseCertificates(a.cert_pem, Encoding::kPem, "cert", PublicKeys::kDeferred);
  ASSERT_TRUE(deferred.ok());
  EXPECT_NE((*deferred)[0].get(), (*first)[0].get());  // deferred parses stay out of the cache
  EXPECT_EQ(WithPublicKey((*deferred)[0].get()).get(), (*first)[0].get());
  // Another certificate is another parse.
  const testing::Identity b = testing::MakeCa("other CA");
  auto other = ParseCertificates(b.cert_pem, Encoding::kPem, "cert");
  ASSERT_TRUE(other.ok());
  EXPECT_NE((*other)[0].get(), (*first)[0].get());
}

// The key's type is read from its PKCS#8 structure to pick one decoder; every encoding the general
// parse took still parses to the same key, and what it refused is still refused.
TEST(ParsePrivateKey, EveryEncodingGivesTheSameKey) {
  for (int type : {EVP_PKEY_EC, EVP_PKEY_RSA, EVP_PKEY_ED25519}) {
    ossl::Pkey key(type == EVP_PKEY_EC    ? EVP_EC_gen("P-256")
                   : type == EVP_PKEY_RSA ? EVP_RSA_gen(2048)
                                          : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    ASSERT_TRUE(key);
    const std::string pkcs8 = KeyToPem(key.get());
    ossl::Bio legacy(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey_traditional(legacy.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                         nullptr);
    unsigned char* der = nullptr;
    const int n = i2d_PrivateKey(key.get(), &der);
    ASSERT_GT(n, 0);
    const std::string traditional_der(reinterpret_cast<char*>(der), static_cast<size_t>(n));
    OPENSSL_clear_free(der, static_cast<size_t>(n));
    ossl::Bio p8der(BIO_new(BIO_s_mem()));
    i2d_PKCS8PrivateKey_bio(p8der.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    std::vector<std::pair<std::string, Encoding>> forms = {
        {pkcs8, Encoding::kPem}, {ossl::BioString(p8der.get()), Encoding::kDer}};
    if (type != EVP_PKEY_ED25519) {  // SEC1 and PKCS#1 have no Ed25519 form
      forms.emplace_back(ossl::BioString(legacy.get()), Encoding::kPem);
      forms.emplace_back(traditional_der, Encoding::kDer);
    }
    // Bytes after a DER key are not part of it, and are not kept.
    forms.emplace_back(ossl::BioString(p8der.get()) + "trailing", Encoding::kDer);
    for (const auto& [text, enc] : forms) {
      auto parsed = ParsePrivateKey(text, enc, "key");
      ASSERT_TRUE(parsed.ok()) << OBJ_nid2sn(type) << ": " << parsed.status().message();
      EXPECT_EQ(EVP_PKEY_eq(parsed->get(), key.get()), 1) << OBJ_nid2sn(type);
      // The stored form is PKCS#8 PEM whatever came in: armoured again from the uploaded DER,
      // or encoded, the same text for a key OpenSSL wrote.
      std::string pem = "stale";
      ASSERT_TRUE(ParsePrivateKey(text, enc, "key", pem).ok());
      EXPECT_TRUE(pem == pkcs8) << OBJ_nid2sn(type) << " from "
                                << (enc == Encoding::kPem ? "PEM" : "DER");
    }
    ossl::Bio encrypted(BIO_new(BIO_s_mem()));
    PEM_write_bio_PKCS8PrivateKey(encrypted.get(), key.get(), EVP_aes_256_cbc(), nullptr, 0,
                                  nullptr, const_cast<char*>("pass phrase"));
    auto refused = ParsePrivateKey(ossl::BioString(encrypted.get()), Encoding::kPem, "key");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().message(), "key: is not a valid unencrypted private key");
  }
  EXPECT_FALSE(ParsePrivateKey("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                               Encoding::kPem, "key")
                   .ok());
}

// Each thread reuses one decoder per key type: keys parsed one after another, with one the
// decoder refuses between them, and on another thread, each come out as themselves.
TEST(ParsePrivateKey, ReusedDecodersGiveEveryKeyItsOwn) {
  std::vector<ossl::Pkey> keys;
  for (const char* curve : {"P-256", "P-256", "P-384"}) keys.emplace_back(EVP_EC_gen(curve));
  // A well-formed PKCS#8 EC structure whose key bytes are no EC key.
  PKCS8_PRIV_KEY_INFO* info = PKCS8_PRIV_KEY_INFO_new();
  auto* garbage = static_cast<unsigned char*>(OPENSSL_malloc(4));
  for (int i = 0; i < 4; ++i) garbage[i] = static_cast<unsigned char>(4 - i);
  ASSERT_EQ(PKCS8_pkey_set0(info, OBJ_nid2obj(NID_X9_62_id_ecPublicKey), 0, V_ASN1_OBJECT,
                            OBJ_nid2obj(NID_X9_62_prime256v1), garbage, 4),
            1);
  unsigned char* der = nullptr;
  const int n = i2d_PKCS8_PRIV_KEY_INFO(info, &der);
  PKCS8_PRIV_KEY_INFO_free(info);
  ASSERT_GT(n, 0);
  const std::string broken(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);

  const auto same = [](const ossl::Pkey& key) {
    auto parsed = ParsePrivateKey(KeyToPem(key.get()), Encoding::kPem, "key");
    return parsed.ok() && EVP_PKEY_eq(parsed->get(), key.get()) == 1;
  };
  EXPECT_TRUE(same(keys[0]));
  EXPECT_FALSE(ParsePrivateKey(broken, Encoding::kDer, "key").ok());
  for (const auto& k : keys) EXPECT_TRUE(same(k));
  bool other_thread = false;
  std::thread([&] { other_thread = same(keys[1]) && same(keys[2]); }).join();
  EXPECT_TRUE(other_thread);
}

TEST(CertCache, HoldsAtMostItsCapacityDroppingTheOldest) {
  CertCache cache(2);
  std::vector<testing::Identity> cas;
  std::vector<std::string> ders;
  for (int i = 0; i < 3; ++i) {
    cas.push_back(testing::MakeCa("CA " + std::to_string(i)));
    unsigned char* der = nullptr;
    const int len = i2d_X509(cas.back().cert.get(), &der);
    ders.emplace_back(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    cache.Add(ders.back(), cas.back().cert.get());
  }
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.Find(ders[0]));
  EXPECT_EQ(cache.Find(ders[1]).get(), cas[1].cert.get());
  EXPECT_EQ(cache.Find(ders[2]).get(), cas[2].cert.get());
  EXPECT_FALSE(cache.Find(ders[2].substr(1)));
  // A certificate larger than any real one is parsed but never kept.
  const std::string huge(CertCache::kMaxDerBytes + 1, 'x');
  cache.Add(huge, cas[0].cert.get());
  EXPECT_FALSE(cache.Find(huge));
  EXPECT_EQ(cache.size(), 2u);
}

}  // namespace
}  // namespace rotagent::x509
