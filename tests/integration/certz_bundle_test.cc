// Trust bundles of 1, 1,000 and 20,000 CAs, in each encoding: clients of the first, a middle and
// the last CA authenticate on every service, a client of an outside CA is refused, a dropped
// 20,000-CA rotation restores the previous bundle exactly, and open streams survive the swap.
#include <gtest/gtest.h>

#include <chrono>
#include <tuple>

#include "agent/certz/rotate_request_stream.h"
#include "tests/integration/certz_fixture.h"
#include "tests/support/ca_bundle.h"
#include "tests/support/credentialz_client.h"
#include "tests/support/gnmi_client.h"

namespace rotagent::testing {
namespace {

const std::string kGrpcServer = "/system/grpc-servers/grpc-server[name=rotagent]/state/";
// The most bundle CAs a parent chain can carry (plus CA A): one more and the request nests
// deeper than the agent parses.
constexpr size_t kDeepestParentChain = certz::kMaxParentChainCertificates - 1;

class CertzBundleTest : public CertzTest {
 protected:
  // Installs `bundle` (plus CA A, which issued the served certificate and the admin) as gnsi's
  // trust bundle; returns the final status.
  grpc::Status InstallBundle(const CaBundle& bundle, BundleEncoding e, const std::string& version) {
    auto stub = Admin();
    RotateStream s(*stub);
    if (!s.Exchange(
            Upload("gnsi", {BundleEntity(version, 1700000100, bundle, {ca_a_.cert_pem}, e)}))) {
      return s.Finish();
    }
    if (!s.Send(Finalize("gnsi"))) return s.Finish();
    return s.Finish();
  }

  // A call on each service over a new connection: authenticated means anything but
  // UNAUTHENTICATED or UNAVAILABLE (credentialz is not authorized for this client here).
  void ExpectAuthenticatedEverywhere(const Identity& client, const std::string& who) {
    auto channel = NewChannel(agent_->port(), trust_pem_, client);
    {
      grpc::ClientContext ctx;
      pb::GetProfileListResponse resp;
      grpc::Status s = pb::Certz::NewStub(channel)->GetProfileList(&ctx, {}, &resp);
      EXPECT_TRUE(s.ok()) << who << " on certz: " << s.error_message();
    }
    {
      grpc::ClientContext ctx;
      gnmi::GetRequest req;
      *req.add_path() = GnmiPath("openconfig", kGrpcServer + "ca-trust-bundle-version");
      gnmi::GetResponse resp;
      grpc::Status s = gnmi::gNMI::NewStub(channel)->Get(&ctx, req, &resp);
      EXPECT_TRUE(s.ok()) << who << " on gNMI: " << s.error_message();
    }
    {
      grpc::ClientContext ctx;
      cz::GetPublicKeysResponse resp;
      grpc::Status s = cz::Credentialz::NewStub(channel)->GetPublicKeys(&ctx, {}, &resp);
      EXPECT_NE(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << who << " on credentialz";
      EXPECT_NE(s.error_code(), grpc::StatusCode::UNAVAILABLE) << who << " on credentialz";
    }
  }
};

class BundleEncodings : public CertzBundleTest,
                        public ::testing::WithParamInterface<std::tuple<size_t, BundleEncoding>> {};

TEST_P(BundleEncodings, ClientsOfFirstMiddleAndLastCaAuthenticateAndAnOutsiderIsRefused) {
  const auto [n, encoding] = GetParam();
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  const CaBundle& bundle = CaBundleOf(n);
  Identity outsider = MakeLeaf(MakeCa("outside CA"), "admin");
  ASSERT_FALSE(CanConnect(agent_->port(), trust_pem_, outsider));

  const auto start = std::chrono::steady_clock::now();
  grpc::Status s = InstallBundle(bundle, encoding, "bundle-1");
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::cout << n << " CAs as " << BundleEncodingName(encoding) << ": installed in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
            << " s\n";
  ASSERT_EQ(Committed("gnsi")->trust.version, "bundle-1");
  for (size_t i : {size_t{0}, n / 2, n - 1}) {
    ExpectAuthenticatedEverywhere(MakeLeaf(bundle.Ca(i), "admin"),
                                  "client of bundle CA " + std::to_string(i));
  }
  EXPECT_FALSE(CanConnect(agent_->port(), trust_pem_, outsider));
  EXPECT_TRUE(CanConnect(agent_->port(), trust_pem_, admin_));
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, BundleEncodings,
    ::testing::Values(std::tuple{size_t{1}, BundleEncoding::kPkcs7},
                      std::tuple{size_t{1}, BundleEncoding::kMultiPem},
                      std::tuple{size_t{1}, BundleEncoding::kParentChain},
                      std::tuple{size_t{1000}, BundleEncoding::kPkcs7},
                      std::tuple{size_t{1000}, BundleEncoding::kMultiPem},
                      // The public conformance suite sends its 1,000-CA bundles this way.
                      std::tuple{size_t{1000}, BundleEncoding::kParentChain},
                      std::tuple{size_t{20000}, BundleEncoding::kPkcs7},
                      std::tuple{size_t{20000}, BundleEncoding::kMultiPem},
                      // The agent's parse bounds a parent chain (certz::kMaxRequestNesting).
                      std::tuple{size_t{kDeepestParentChain}, BundleEncoding::kParentChain}),
    [](const auto& info) {
      return std::to_string(std::get<0>(info.param)) + "_" +
             BundleEncodingName(std::get<1>(info.param));
    });

// A parent chain deeper than the agent parses is refused with a status that says so, and nothing
// changes. One CA beyond the deepest that works is enough.
TEST_F(CertzBundleTest, ParentChainBeyondTheNestingLimitIsRefusedAndChangesNothing) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  const std::string version = Committed("gnsi")->trust.version;
  grpc::Status s =
      InstallBundle(CaBundleOf(kDeepestParentChain + 1), BundleEncoding::kParentChain, "deep");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_NE(s.error_message().find("nests messages deeper than"), std::string::npos)
      << s.error_message();
  EXPECT_EQ(Committed("gnsi")->trust.version, version);
  EXPECT_EQ(Committed("gnsi")->trust_pem, trust_pem_);
}

TEST_F(CertzBundleTest, DroppedTwentyThousandCaRotationRestoresThePreviousBundleExactly) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  ASSERT_TRUE(InstallBundle(CaBundleOf(100), BundleEncoding::kPkcs7, "bundle-100").ok());
  const std::string before = Committed("gnsi")->trust_pem;
  const Identity client_old = MakeLeaf(CaBundleOf(100).Ca(99), "admin");
  const Identity client_new = MakeLeaf(CaBundleOf(20000).Ca(19999), "admin");
  {
    auto stub = Admin();
    RotateStream s(*stub);
    ASSERT_TRUE(
        s.Exchange(Upload("gnsi", {BundleEntity("bundle-20000", 1700000200, CaBundleOf(20000),
                                                {ca_a_.cert_pem}, BundleEncoding::kPkcs7)})));
    EXPECT_TRUE(CanConnect(agent_->port(), trust_pem_, client_new));  // live before Finalize
    s.Cancel();
    EXPECT_FALSE(s.Finish().ok());
  }
  ASSERT_TRUE(WaitRotationIdle(*Admin(), "gnsi"));
  EXPECT_EQ(Committed("gnsi")->trust_pem, before);
  EXPECT_EQ(Committed("gnsi")->trust.version, "bundle-100");
  EXPECT_FALSE(CanConnect(agent_->port(), trust_pem_, client_new));
  EXPECT_TRUE(CanConnect(agent_->port(), trust_pem_, client_old));
}

TEST_F(CertzBundleTest, OpenConnectionAndSubscribeStreamSurviveTheBundleSwap) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  auto channel = NewChannel(agent_->port(), trust_pem_, admin_);
  auto gnmi_stub = gnmi::gNMI::NewStub(channel);
  const std::string leaf = "openconfig:" + kGrpcServer + "ca-trust-bundle-version";
  GnmiSubscription sub(
      *gnmi_stub, StreamRequest({GnmiPath("openconfig", kGrpcServer + "ca-trust-bundle-version")}));
  ASSERT_TRUE(sub.WaitFor([&] { return sub.synced(); }));
  auto certz = pb::Certz::NewStub(channel);
  ASSERT_TRUE(InstallBundle(CaBundleOf(1000), BundleEncoding::kPkcs7, "bundle-1000").ok());
  // The stream that was open before the swap reports it, so it was never cut.
  EXPECT_TRUE(sub.WaitFor([&] {
    auto h = sub.History(leaf);
    return !h.empty() && h.back() == "bundle-1000";
  })) << ::testing::PrintToString(sub.History(leaf));
  EXPECT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
  grpc::ClientContext ctx;
  pb::GetProfileListResponse resp;
  EXPECT_TRUE(certz->GetProfileList(&ctx, {}, &resp).ok());
}

}  // namespace
}  // namespace rotagent::testing
