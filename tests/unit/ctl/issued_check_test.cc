// What a signer returns is checked before anything is uploaded: each way a chain can be wrong is
// refused with a message naming it.
#include "ctl/issued_check.h"

#include <gtest/gtest.h>

#include "common/x509.h"
#include "common/x509_issuer.h"

namespace rotagent::ctl {
namespace {

struct Ca {
  x509::Issued id;
  std::string pem;
};

Ca MakeCa(const std::string& cn, int64_t not_before = -300, int64_t lifetime = 86400) {
  auto i = x509::Issue(
      {.common_name = cn, .is_ca = true, .not_before_offset = not_before, .lifetime = lifetime},
      nullptr, nullptr);
  std::string pem = x509::CertToPem(i->cert.get());
  return {std::move(*i), pem};
}

class IssuedCheckTest : public ::testing::Test {
 protected:
  IssuedCheckTest() : ca_(MakeCa("root")), device_key_(EVP_EC_gen("prime256v1")) {}
  std::string Leaf(x509::IssueParams p, EVP_PKEY* key = nullptr, const Ca* by = nullptr) {
    const Ca& ca = by != nullptr ? *by : ca_;
    auto cert = x509::IssueFor(key != nullptr ? key : device_key_.get(), p, ca.id.cert.get(),
                               ca.id.key.get());
    return x509::CertToPem(cert->get());
  }
  static x509::IssueParams Good() {
    return {.common_name = "leaf1", .dns_names = {"leaf1", "localhost"}, .client_auth = false};
  }
  Status Check(const std::string& chain, const std::string& roots = "") {
    return CheckIssued(chain, device_key_.get(), spec_, roots.empty() ? ca_.pem : roots).status();
  }
  Ca ca_;
  ossl::Pkey device_key_;
  LeafSpec spec_{.common_name = "leaf1", .dns_names = {"leaf1", "localhost"}, .server = true};
};

void ExpectRefused(const Status& s, const std::string& why) {
  EXPECT_EQ(s.code(), Code::kFailedPrecondition) << s.message();
  EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("nothing was uploaded"), std::string::npos) << s.message();
}

TEST_F(IssuedCheckTest, AcceptsTheLeafAskedFor) {
  auto checked = CheckIssued(Leaf(Good()), device_key_.get(), spec_, ca_.pem);
  ASSERT_TRUE(checked.ok()) << checked.status().message();
  EXPECT_TRUE(checked->intermediates.empty());
}

TEST_F(IssuedCheckTest, AcceptsAChainThroughAnIntermediate) {
  auto mid = x509::Issue({.common_name = "intermediate", .is_ca = true, .lifetime = 86400},
                         ca_.id.cert.get(), ca_.id.key.get());
  Ca inter{std::move(*mid), ""};
  inter.pem = x509::CertToPem(inter.id.cert.get());
  auto checked =
      CheckIssued(Leaf(Good(), nullptr, &inter) + inter.pem, device_key_.get(), spec_, ca_.pem);
  ASSERT_TRUE(checked.ok()) << checked.status().message();
  EXPECT_EQ(checked->intermediates.size(), 1u);
  // Without the intermediate the leaf does not reach the root.
  ExpectRefused(Check(Leaf(Good(), nullptr, &inter)), "does not verify to the configured roots");
}

TEST_F(IssuedCheckTest, RefusesGarbage) {
  ExpectRefused(Check("hello, I am a certificate"), "not a PEM certificate chain");
  ExpectRefused(Check(""), "not a PEM certificate chain");
}

TEST_F(IssuedCheckTest, RefusesALeafForAnotherKey) {
  ossl::Pkey other(EVP_EC_gen("prime256v1"));
  ExpectRefused(Check(Leaf(Good(), other.get())), "not for the key in the device's CSR");
}

TEST_F(IssuedCheckTest, RefusesOtherNames) {
  auto p = Good();
  p.common_name = "leaf2";
  ExpectRefused(Check(Leaf(p)), "subject is not exactly CN=leaf1");
  p = Good();
  p.dns_names.push_back("evil.example");
  ExpectRefused(Check(Leaf(p)), "subjectAltName");
  p = Good();
  p.ip_addresses = {"10.0.0.1"};
  ExpectRefused(Check(Leaf(p)), "subjectAltName");
}

TEST_F(IssuedCheckTest, RefusesACaLeafAndWrongUsages) {
  auto p = Good();
  p.is_ca = true;
  ExpectRefused(Check(Leaf(p)), "is a CA certificate");
  p = Good();
  p.server_auth = false;
  p.client_auth = true;
  ExpectRefused(Check(Leaf(p)), "not exactly serverAuth");
  p.server_auth = true;  // both
  ExpectRefused(Check(Leaf(p)), "not exactly serverAuth");
}

TEST_F(IssuedCheckTest, RefusesExpiredChainsAndForeignRoots) {
  Ca expired = MakeCa("expired root", -2 * 86400, 86400);
  ExpectRefused(Check(Leaf(Good(), nullptr, &expired), expired.pem), "certificate has expired");
  auto p = Good();
  p.not_before_offset = -2 * 86400;
  p.lifetime = 86400;
  ExpectRefused(Check(Leaf(p)), "certificate has expired");
  Ca other = MakeCa("another root");
  ExpectRefused(Check(Leaf(Good(), nullptr, &other)), "does not verify to the configured roots");
}

}  // namespace
}  // namespace rotagent::ctl
