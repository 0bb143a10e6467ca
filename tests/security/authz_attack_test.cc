// Attacks on authorization: a read-only identity writing through gNMI Set, and certificates whose
// commonName reads as another identity's when truncated at a NUL or when only one CN is read.
#include "tests/security/attack_helpers.h"

namespace rotagent::testing {
namespace {

class AuthzAttackTest : public AttackTest {
 protected:
  void SetUp() override {
    AttackTest::SetUp();
    telemetry_ = MakeLeaf(ca_a_, "telemetry");
    // As the shipped config does: telemetry reads, the controller does everything.
    extra_authorization_ =
        "  /gnmi.gNMI/Capabilities: [\"CN=telemetry\"]\n"
        "  /gnmi.gNMI/Get: [\"CN=telemetry\"]\n"
        "  /gnmi.gNMI/Subscribe: [\"CN=telemetry\"]\n";
  }
  Identity telemetry_;
};

TEST_F(AuthzAttackTest, ReadOnlyIdentityCannotLockTheAgentOrRebindTheListener) {
  StartAgent();
  grpc::Status s = SetAdminState(telemetry_, "locked");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_NE(s.error_message().find("'CN=telemetry' is not allowed to call /gnmi.gNMI/Set"),
            std::string::npos)
      << s.error_message();
  s = SetCertificateId(telemetry_, "system_default_profile");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();

  // Nothing changed, and telemetry still reads and subscribes.
  EXPECT_EQ(GetLeaf(telemetry_, "rotagent", kAdminStatePath), "enabled");
  EXPECT_EQ(GetLeaf(telemetry_, "openconfig", kCertificateIdPath), "gnsi");
  auto stub = Gnmi(telemetry_);
  GnmiSubscription sub(*stub, StreamRequest({GnmiPath("rotagent", kAdminStatePath)},
                                            gnmi::ON_CHANGE, gnmi::SubscriptionList::ONCE));
  ASSERT_TRUE(sub.WaitFor([&] { return sub.synced(); }));
  EXPECT_EQ(sub.History("rotagent:" + kAdminStatePath), std::vector<std::string>{"enabled"});
  EXPECT_TRUE(sub.Finish().ok());
  // Its certz calls are refused too: only gNMI reads were granted.
  EXPECT_EQ(ListProfiles(telemetry_).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // The controller may Set: the refusal above is per method, not a broken Set.
  EXPECT_TRUE(SetAdminState(admin_, "maintenance").ok());
  EXPECT_EQ(GetLeaf(telemetry_, "rotagent", kAdminStatePath), "maintenance");
}

TEST_F(AuthzAttackTest, CommonNameWithEmbeddedNulIsNotTheIdentityBeforeTheNul) {
  StartAgent();
  auto forged = MakeLeafWithRawNames(ca_a_, {std::string("admin\0.attacker", 15)});
  grpc::Status s = ListProfiles(forged);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_NE(s.error_message().find("commonName holds an embedded NUL"), std::string::npos)
      << s.error_message();
  s = SetAdminState(forged, "locked");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_EQ(GetLeaf(admin_, "rotagent", kAdminStatePath), "enabled");
  // The same construction with a clean CN is admitted.
  EXPECT_TRUE(ListProfiles(MakeLeafWithRawNames(ca_a_, {"admin"})).ok());
}

TEST_F(AuthzAttackTest, SubjectWithTwoCommonNamesIsRefused) {
  StartAgent();
  auto twice = MakeLeafWithRawNames(ca_a_, {"admin", "attacker"});
  grpc::Status s = ListProfiles(twice);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_NE(s.error_message().find("more than one commonName"), std::string::npos)
      << s.error_message();
  s = SetAdminState(twice, "locked");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_EQ(GetLeaf(admin_, "rotagent", kAdminStatePath), "enabled");
}

}  // namespace
}  // namespace rotagent::testing
