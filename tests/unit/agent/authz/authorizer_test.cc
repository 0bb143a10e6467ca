#include "agent/authz/authorizer.h"

#include <gtest/gtest.h>

#include "tests/support/pki.h"

namespace rotagent::authz {
namespace {

TEST(AuthorizerTest, MatchesCommonNameAndSanAndDeniesOthers) {
  auto ca = testing::MakeCa("CA");
  auto admin = testing::MakeLeaf(ca, "admin");
  auto other = testing::MakeLeaf(ca, "other");
  Authorizer a({{"svc", {"CN=admin"}}, {"any", {"*"}}, {"dns", {"DNS=localhost"}}});
  EXPECT_TRUE(a.Check("svc", admin.cert_pem).ok());
  Status denied = a.Check("svc", other.cert_pem);
  EXPECT_EQ(denied.code(), Code::kPermissionDenied);
  EXPECT_NE(denied.message().find("CN=other"), std::string::npos);
  EXPECT_TRUE(a.Check("any", other.cert_pem).ok());
  EXPECT_TRUE(a.Check("dns", other.cert_pem).ok());
  EXPECT_EQ(a.Check("unlisted", admin.cert_pem).code(), Code::kPermissionDenied);
  EXPECT_EQ(a.Check("svc", "").code(), Code::kUnauthenticated);
}

}  // namespace
}  // namespace rotagent::authz
