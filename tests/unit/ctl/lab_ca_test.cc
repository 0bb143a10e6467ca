#include "ctl/lab_ca.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <filesystem>

#include "agent/certz/csr.h"
#include "common/x509.h"

namespace rotagent::ctl {
namespace {
namespace fs = std::filesystem;

class LabCaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lab-ca-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    ASSERT_TRUE(LabCa::Init(dir_, "test lab CA", 30).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string Csr(const std::string& cn) {
    certz::CsrSuite suite{certz::KeyAlgorithm::kEcdsa, 0, "prime256v1", "SHA256"};
    auto key = certz::GenerateKey(suite);
    certz::CsrSubject subject;
    subject.common_name = cn;
    subject.san_dns = {"evil.example"};
    return *certz::MakeCsr(key->get(), suite, subject);
  }
  fs::path dir_;
};

TEST_F(LabCaTest, KeyIsPrivateAndNeverOverwritten) {
  EXPECT_EQ(fs::status(dir_ / "ca-key.pem").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(fs::status(dir_).permissions(), fs::perms::owner_all);
  const Status again = LabCa::Init(dir_, "another", 30);
  EXPECT_EQ(again.code(), Code::kAlreadyExists);
  auto ca = LabCa::Load(dir_);
  ASSERT_TRUE(ca.ok());
  EXPECT_EQ(x509::SubjectText(ca->cert()), "CN=test lab CA");
}

TEST_F(LabCaTest, SignsWithTheNamesItWasAskedForNotTheRequests) {
  auto ca = LabCa::Load(dir_);
  auto pem = ca->Sign(Csr("leaf1"), {.common_name = "leaf1", .dns_names = {"leaf1", "localhost"}});
  ASSERT_TRUE(pem.ok()) << pem.status().message();
  ossl::Bio bio = ossl::MemBio(*pem);
  ossl::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "evil.example", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_issued(ca->cert(), cert.get()), X509_V_OK);
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), static_cast<uint32_t>(XKU_SSL_SERVER));
}

TEST_F(LabCaTest, RefusesWhatIsNotASignedRequest) {
  auto ca = LabCa::Load(dir_);
  EXPECT_EQ(ca->Sign("not a csr", {.common_name = "x"}).status().code(), Code::kInvalidArgument);
  // A request whose signature no longer matches its content: its last byte is flipped.
  std::string csr = Csr("leaf1");
  ossl::Bio in = ossl::MemBio(csr);
  ossl::X509Req req(PEM_read_bio_X509_REQ(in.get(), nullptr, nullptr, nullptr));
  unsigned char* der = nullptr;
  const int len = i2d_X509_REQ(req.get(), &der);
  der[len - 1] ^= 0x01;
  const unsigned char* p = der;
  ossl::X509Req bad(d2i_X509_REQ(nullptr, &p, len));
  OPENSSL_free(der);
  ossl::Bio out(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(out.get(), bad.get());
  auto signed_pem = ca->Sign(ossl::BioString(out.get()), {.common_name = "leaf1"});
  EXPECT_EQ(signed_pem.status().code(), Code::kInvalidArgument);
  EXPECT_NE(signed_pem.status().message().find("signature does not verify"), std::string::npos);
}

}  // namespace
}  // namespace rotagent::ctl
