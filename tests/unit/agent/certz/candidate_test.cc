#include "agent/certz/candidate.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <ctime>

#include "tests/support/pki.h"

namespace rotagent::certz {
namespace {

using testing::Identity;

class CandidateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_.now = std::time(nullptr);
    ctx_.lookup = [](const std::string&) { return std::nullopt; };
  }
  EntityUpload Chain(const Identity& leaf, const std::string& version = "v1") {
    EntityUpload e;
    e.kind = EntityUpload::Kind::kChain;
    e.version = version;
    e.created_on = 42;
    e.certs.push_back({leaf.cert_pem, x509::Encoding::kPem});
    e.key = KeyBlob{Secret(std::string(leaf.key_pem)), x509::Encoding::kPem};
    return e;
  }
  EntityUpload Trust(const std::string& pem, const std::string& version = "t1") {
    EntityUpload e;
    e.kind = EntityUpload::Kind::kTrustChain;
    e.version = version;
    e.created_on = 43;
    e.certs.push_back({pem, x509::Encoding::kPem});
    return e;
  }
  Result<ProfileMaterial> Build(std::vector<EntityUpload> u) { return BuildCandidate(u, ctx_); }

  Identity ca_ = testing::MakeCa("CA");
  Identity leaf_ = testing::MakeServer(ca_);
  CandidateContext ctx_;
};

TEST_F(CandidateTest, ChainWithTrustBundleBuildsAndKeepsMetaAsSent) {
  std::vector<EntityUpload> u;
  u.push_back(Chain(leaf_));
  u.push_back(Trust(ca_.cert_pem));
  auto m = BuildCandidate(u, ctx_);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->chain.version, "v1");
  EXPECT_EQ(m->chain.created_on, 42u);
  EXPECT_EQ(m->trust.version, "t1");
  EXPECT_NE(m->key_pem.reveal().find("PRIVATE KEY"), std::string::npos);
}

TEST_F(CandidateTest, MultiPemTrustBundleIsAccepted) {
  Identity other = testing::MakeCa("Other");
  std::vector<EntityUpload> u;
  u.push_back(Chain(leaf_));
  u.push_back(Trust(other.cert_pem + ca_.cert_pem));
  auto m = BuildCandidate(u, ctx_);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(x509::ParseCertificates(m->trust_pem, x509::Encoding::kPem, "t")->size(), 2u);
}

TEST_F(CandidateTest, DerEncodingIsAccepted) {
  auto certs = x509::ParseCertificates(leaf_.cert_pem, x509::Encoding::kPem, "x");
  unsigned char* der = nullptr;
  int n = i2d_X509(certs->front().get(), &der);
  EntityUpload chain = Chain(leaf_);
  chain.certs[0] =
      Blob{std::string(reinterpret_cast<char*>(der), static_cast<size_t>(n)), x509::Encoding::kDer};
  OPENSSL_free(der);
  std::vector<EntityUpload> u;
  u.push_back(std::move(chain));
  u.push_back(Trust(ca_.cert_pem));
  EXPECT_TRUE(BuildCandidate(u, ctx_).ok());
}

TEST_F(CandidateTest, DuplicateEntityTypeIsRefused) {
  std::vector<EntityUpload> u;
  u.push_back(Trust(ca_.cert_pem, "a"));
  u.push_back(Trust(ca_.cert_pem, "b"));
  auto m = BuildCandidate(u, ctx_);
  EXPECT_EQ(m.status().code(), Code::kInvalidArgument);
  EXPECT_NE(m.status().message().find("more than once"), std::string::npos);
}

TEST_F(CandidateTest, ExistingEntityFromMissingProfileIsNotFound) {
  EntityUpload e;
  e.kind = EntityUpload::Kind::kExisting;
  e.existing_profile = "ghost";
  e.existing_type = EntityType::kTrustBundle;
  std::vector<EntityUpload> u;
  u.push_back(std::move(e));
  auto m = BuildCandidate(u, ctx_);
  EXPECT_EQ(m.status().code(), Code::kNotFound);
}

TEST_F(CandidateTest, ExistingEntityAlongsideTheSameTypeIsRefused) {
  EntityUpload e;
  e.kind = EntityUpload::Kind::kExisting;
  e.existing_profile = "other";
  e.existing_type = EntityType::kTrustBundle;
  std::vector<EntityUpload> u;
  u.push_back(Trust(ca_.cert_pem));
  u.push_back(std::move(e));
  EXPECT_EQ(BuildCandidate(u, ctx_).status().code(), Code::kInvalidArgument);
}

TEST_F(CandidateTest, ActiveVersionNeedsForce) {
  std::vector<EntityUpload> u;
  u.push_back(Chain(leaf_));
  u.push_back(Trust(ca_.cert_pem));
  auto first = BuildCandidate(u, ctx_);
  ASSERT_TRUE(first.ok());
  ctx_.current = &*first;
  std::vector<EntityUpload> again;
  again.push_back(Chain(leaf_));
  EXPECT_EQ(BuildCandidate(again, ctx_).status().code(), Code::kAlreadyExists);
  ctx_.force_overwrite = true;
  EXPECT_TRUE(BuildCandidate(again, ctx_).ok());
}

TEST_F(CandidateTest, Pkcs7BundleIsAccepted) {
  auto certs = x509::ParseCertificates(ca_.cert_pem, x509::Encoding::kPem, "x");
  ossl::Pkcs7 p7(PKCS7_new());
  PKCS7_set_type(p7.get(), NID_pkcs7_signed);
  PKCS7_content_new(p7.get(), NID_pkcs7_data);
  PKCS7_add_certificate(p7.get(), certs->front().get());
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PKCS7(bio.get(), p7.get());
  EntityUpload e;
  e.kind = EntityUpload::Kind::kTrustPkcs7;
  e.version = "p7";
  e.created_on = 1;
  e.pkcs7 = ossl::BioString(bio.get());
  std::vector<EntityUpload> u;
  u.push_back(Chain(leaf_));
  u.push_back(std::move(e));
  auto m = BuildCandidate(u, ctx_);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->trust.version, "p7");
}

TEST_F(CandidateTest, EdKeysFollowPolicy) {
  ctx_.key_policy.allow_ed25519 = false;
  ossl::Pkey ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  EXPECT_EQ(CheckKeyPolicy(ed.get(), ctx_.key_policy, "k").code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace rotagent::certz
