#include "agent/authz/authorizer.h"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "agent/authz/methods.h"
#include "gnmi/gnmi.pb.h"
#include "gnsi/authz/v1/authz.pb.h"
#include "gnsi/certz/v1/certz.pb.h"
#include "gnsi/credentialz/v1/credentialz.pb.h"
#include "tests/support/pki.h"

namespace rotagent::authz {
namespace {

constexpr const char* kSet = "/gnmi.gNMI/Set";
constexpr const char* kGet = "/gnmi.gNMI/Get";
constexpr const char* kRotate = "/gnsi.certz.v1.Certz/Rotate";

TEST(AuthorizerTest, MatchesCommonNameAndSanAndDeniesOthers) {
  auto ca = testing::MakeCa("CA");
  auto admin = testing::MakeLeaf(ca, "admin");
  auto other = testing::MakeLeaf(ca, "other");
  Authorizer a({{kRotate, {"CN=admin"}}, {kGet, {"*"}}, {kSet, {"DNS=localhost"}}});
  EXPECT_TRUE(a.Check(kRotate, admin.cert_pem).ok());
  Status denied = a.Check(kRotate, other.cert_pem);
  EXPECT_EQ(denied.code(), Code::kPermissionDenied);
  EXPECT_NE(denied.message().find("CN=other"), std::string::npos) << denied.message();
  EXPECT_NE(denied.message().find(kRotate), std::string::npos) << denied.message();
  EXPECT_TRUE(a.Check(kGet, other.cert_pem).ok());
  EXPECT_TRUE(a.Check(kSet, other.cert_pem).ok());
  EXPECT_EQ(a.Check("/gnmi.gNMI/Subscribe", admin.cert_pem).code(), Code::kPermissionDenied);
  EXPECT_EQ(a.Check(kRotate, "").code(), Code::kUnauthenticated);
}

TEST(AuthorizerTest, MethodServiceWildcardAndBareServiceKeys) {
  auto ca = testing::MakeCa("CA");
  auto admin = testing::MakeLeaf(ca, "admin");
  auto telemetry = testing::MakeLeaf(ca, "telemetry");
  auto legacy = testing::MakeLeaf(ca, "legacy");
  Authorizer a({{"/gnmi.gNMI/*", {"CN=admin"}},
                {kGet, {"CN=telemetry"}},
                {"gnsi.certz.v1.Certz", {"CN=legacy"}}});
  EXPECT_TRUE(a.Check(kSet, admin.cert_pem).ok());
  EXPECT_TRUE(a.Check(kGet, admin.cert_pem).ok());
  EXPECT_TRUE(a.Check(kGet, telemetry.cert_pem).ok());
  Status set = a.Check(kSet, telemetry.cert_pem);
  EXPECT_EQ(set.code(), Code::kPermissionDenied);
  EXPECT_NE(set.message().find("'CN=telemetry' is not allowed to call /gnmi.gNMI/Set"),
            std::string::npos)
      << set.message();
  EXPECT_TRUE(a.Check(kRotate, legacy.cert_pem).ok());
  EXPECT_TRUE(a.Check("/gnsi.certz.v1.Certz/DeleteProfile", legacy.cert_pem).ok());
  EXPECT_EQ(a.Check(kGet, legacy.cert_pem).code(), Code::kPermissionDenied);
}

TEST(AuthorizerTest, EmbeddedNulOrSecondCommonNameIsRefused) {
  auto ca = testing::MakeCa("CA");
  Authorizer a({{kRotate, {"CN=rotagent-admin", "DNS=localhost"}}});
  auto nul = testing::MakeLeafWithRawNames(ca, {std::string("rotagent-admin\0.attacker", 24)});
  Status s = a.Check(kRotate, nul.cert_pem);
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_NE(s.message().find("commonName holds an embedded NUL"), std::string::npos) << s.message();
  auto twice = testing::MakeLeafWithRawNames(ca, {"attacker", "rotagent-admin"});
  s = a.Check(kRotate, twice.cert_pem);
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_NE(s.message().find("more than one commonName"), std::string::npos) << s.message();
  auto san = testing::MakeLeafWithRawNames(ca, {"x"}, {std::string("localhost\0.evil", 15)});
  s = a.Check(kRotate, san.cert_pem);
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_NE(s.message().find("DNS entry holds an embedded NUL"), std::string::npos) << s.message();
  // The same helper with clean names is admitted: the refusals above are for the NUL and the
  // second CN, not for how the certificate was made.
  auto clean = testing::MakeLeafWithRawNames(ca, {"rotagent-admin"});
  EXPECT_TRUE(a.Check(kRotate, clean.cert_pem).ok());
}

TEST(MethodsTest, KnownMethodsAreExactlyTheServedProtoMethods) {
  std::vector<std::string> from_protos;
  for (const auto* file :
       {gnmi::SetRequest::descriptor()->file(),
        gnsi::certz::v1::RotateCertificateRequest::descriptor()->file(),
        gnsi::credentialz::v1::RotateAccountCredentialsRequest::descriptor()->file(),
        gnsi::authz::v1::RotateAuthzRequest::descriptor()->file()}) {
    for (int s = 0; s < file->service_count(); ++s) {
      const auto* svc = file->service(s);
      for (int i = 0; i < svc->method_count(); ++i) {
        from_protos.push_back("/" + svc->full_name() + "/" + svc->method(i)->name());
      }
    }
  }
  ASSERT_FALSE(from_protos.empty());
  auto known = KnownMethods();
  std::sort(known.begin(), known.end());
  std::sort(from_protos.begin(), from_protos.end());
  EXPECT_EQ(known, from_protos);
}

TEST(MethodsTest, RuleKeys) {
  for (const char* ok : {"/gnmi.gNMI/Set", "/gnmi.gNMI/*", "gnmi.gNMI", "gnsi.certz.v1.Certz",
                         "/gnsi.credentialz.v1.Credentialz/RotateHostParameters"}) {
    EXPECT_TRUE(CheckRuleKey(ok).ok()) << ok;
  }
  for (const char* bad : {"/gnmi.gNMI/Sett", "gnmi.gnmi", "/gnmi.gNMI", "/*", "*", "", "/x/*"}) {
    Status s = CheckRuleKey(bad);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find(std::string("'") + bad + "'"), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace rotagent::authz
