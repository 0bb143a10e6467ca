#include "agent/tls/client_verifier.h"

#include <gtest/gtest.h>

#include "tests/support/pki.h"

namespace rotagent::tls {
namespace {

TEST(ClientVerifierTest, AcceptsTrustedRefusesUntrustedAndRevoked) {
  auto ca = testing::MakeCa("CA");
  auto other_ca = testing::MakeCa("Other");
  auto good = testing::MakeLeaf(ca, "good");
  auto good2 = testing::MakeLeaf(ca, "good2");
  auto revoked = testing::MakeLeaf(ca, "revoked");
  auto stranger = testing::MakeLeaf(other_ca, "stranger");
  ClientVerifier v;
  EXPECT_EQ(v.Check(good.cert_pem).code(), Code::kUnavailable);
  EXPECT_FALSE(v.ChecksCrls());
  ASSERT_TRUE(v.Update(ca.cert_pem, "").ok());
  EXPECT_FALSE(v.ChecksCrls());  // nothing for the per-call check to add to the handshake's
  EXPECT_TRUE(v.Check(good.cert_pem).ok()) << v.Check(good.cert_pem).message();
  EXPECT_TRUE(v.Check(good2.cert_pem, ca.cert_pem + good2.cert_pem).ok());
  EXPECT_EQ(v.Check(stranger.cert_pem).code(), Code::kUnauthenticated);
  ASSERT_TRUE(v.Update(ca.cert_pem, testing::MakeCrl(ca, {&revoked})).ok());
  EXPECT_TRUE(v.ChecksCrls());
  EXPECT_TRUE(v.Check(good.cert_pem).ok());
  Status r = v.Check(revoked.cert_pem);
  EXPECT_EQ(r.code(), Code::kUnauthenticated);
  EXPECT_NE(r.message().find("revoked"), std::string::npos) << r.message();
}

// Verdicts are shared by every verifier that uses the same trust store (the listener's and a
// rotation's lockout check), but never across the expired-CRL policy they were reached under.
TEST(ClientVerifierTest, SharedVerdictsKeepToTheirPolicy) {
  auto ca = testing::MakeCa("CA");
  auto client = testing::MakeLeaf(ca, "client");
  const std::string expired_crl = testing::MakeCrl(ca, {}, -3600);
  ClientVerifier keep;
  ASSERT_TRUE(keep.Update(ca.cert_pem, expired_crl).ok());
  EXPECT_TRUE(keep.Check(client.cert_pem).ok());
  ClientVerifier enforce;
  enforce.SetKeepExpiredCrl(false);
  ASSERT_TRUE(enforce.Update(ca.cert_pem, expired_crl).ok());
  EXPECT_EQ(enforce.Check(client.cert_pem).code(), Code::kUnauthenticated);
  // A policy change on one verifier is not answered from the verdict reached before it.
  keep.SetKeepExpiredCrl(false);
  EXPECT_EQ(keep.Check(client.cert_pem).code(), Code::kUnauthenticated);
  enforce.SetKeepExpiredCrl(true);
  EXPECT_TRUE(enforce.Check(client.cert_pem).ok());
}

}  // namespace
}  // namespace rotagent::tls
