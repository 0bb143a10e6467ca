// The listener's identity against a real gRPC TLS port: a candidate served ahead is proven by a
// handshake, and one whose profile was bound again meanwhile is not taken as served.
#include "agent/tls/listener_identity.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "common/x509.h"
#include "tests/support/pki.h"
#include "tests/support/test_dir.h"

namespace rotagent::tls {
namespace {

namespace fs = std::filesystem;

certz::ProfileMaterial Material(const testing::Identity& ca, const testing::Identity& leaf) {
  certz::ProfileMaterial m;
  m.chain_pem = leaf.cert_pem;
  m.key_pem = Secret(std::string(leaf.key_pem));
  m.trust_pem = ca.cert_pem;
  return m;
}

class ListenerIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<certz::ProfileStore>(dir_);
    ASSERT_TRUE(store_->Init().ok());
    for (const char* profile : {"system_default_profile", "gnsi"}) {
      ASSERT_TRUE(store_->Create(profile).ok());
      auto slot = store_->WriteSlot(profile, Material(ca_, testing::MakeServer(ca_)));
      ASSERT_TRUE(slot.ok());
      ASSERT_TRUE(store_->Set(profile, certz::Pointer::kLive, *slot).ok());
      ASSERT_TRUE(store_->Set(profile, certz::Pointer::kCommitted, *slot).ok());
    }
    identity_ = std::make_unique<ListenerIdentity>(*store_);
    ASSERT_TRUE(identity_->Bind("gnsi").ok());
    grpc::ServerBuilder builder;
    builder.RegisterCallbackGenericService(&service_);
    builder.AddListeningPort("127.0.0.1:0", identity_->Credentials(), &port_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(port_, 0);
    identity_->SetProbeTarget("127.0.0.1", port_);
  }
  void TearDown() override { server_->Shutdown(); }
  // Serves a new leaf of `gnsi` ahead of the store; the proof to run.
  std::function<Status()> ServeNewLeaf() {
    const testing::Identity leaf = testing::MakeServer(ca_);
    new_fingerprint_ = testing::Fingerprint(leaf.cert_pem);
    auto key = x509::ParsePrivateKey(leaf.key_pem, x509::Encoding::kPem, "key");
    EXPECT_TRUE(key.ok());
    auto proof = identity_->ServeCandidate("gnsi", leaf.cert_pem, std::move(*key), ca_.cert_pem);
    EXPECT_TRUE(proof.ok() && *proof);
    return proof.ok() ? *proof : std::function<Status()>();
  }

  testing::Identity ca_ = testing::MakeCa("listener CA");
  testing::TestDir dir_{"listener"};
  std::unique_ptr<certz::ProfileStore> store_;
  std::unique_ptr<ListenerIdentity> identity_;
  grpc::CallbackGenericService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string new_fingerprint_;
};

TEST_F(ListenerIdentityTest, ACandidateServedAheadIsProvenByANewHandshake) {
  auto prove = ServeNewLeaf();
  ASSERT_TRUE(prove);
  Status s = prove();
  ASSERT_TRUE(s.ok()) << s.message();
  auto served = ServedFingerprint("127.0.0.1", port_);
  ASSERT_TRUE(served.ok()) << served.status().message();
  EXPECT_EQ(*served, new_fingerprint_);
}

// Binding the profile again (a gNMI Set or a reload) serves the store's slot over the candidate:
// the candidate's proof must fail, not count the later swap as its own.
TEST_F(ListenerIdentityTest, ACandidateWhoseProfileWasBoundAgainIsNotProven) {
  auto prove = ServeNewLeaf();
  ASSERT_TRUE(prove);
  ASSERT_TRUE(identity_->Bind("gnsi").ok());
  Status s = prove();
  EXPECT_EQ(s.code(), Code::kAborted) << s.message();
  auto served = ServedFingerprint("127.0.0.1", port_);
  ASSERT_TRUE(served.ok());
  EXPECT_NE(*served, new_fingerprint_);
}

}  // namespace
}  // namespace rotagent::tls
