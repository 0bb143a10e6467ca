// Splitting PEM bundles into one block per certificate, as EOS and rotctl's uploads need.
#include "common/x509.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace rotagent::x509
