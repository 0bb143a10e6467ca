// Attacks through partial writes: a gNMI Set whose later update fails must not leave its earlier
// ones applied, and existing_entity must not copy the device identity into a rotatable profile.
#include "tests/security/attack_helpers.h"

namespace rotagent::testing {
namespace {

class PartialWriteAttackTest : public AttackTest {};

TEST_F(PartialWriteAttackTest, SetWithABadCertificateIdChangesNothing) {
  StartAgent();
  grpc::Status s = Set(admin_, {StringUpdate("rotagent", kAdminStatePath, "locked"),
                                StringUpdate("openconfig", kCertificateIdPath, "no-such-profile")});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  EXPECT_NE(s.error_message().find("profile 'no-such-profile' does not exist"), std::string::npos)
      << s.error_message();
  EXPECT_NE(s.error_message().find("nothing was changed"), std::string::npos);
  EXPECT_EQ(GetLeaf(admin_, "rotagent", kAdminStatePath), "enabled");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "state" / "admin-state"));
}

TEST_F(PartialWriteAttackTest, SetWithABadAdminStateDoesNotRebind) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  grpc::Status s =
      Set(admin_, {StringUpdate("openconfig", kCertificateIdPath, "system_default_profile"),
                   StringUpdate("rotagent", kAdminStatePath, "off")});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_EQ(GetLeaf(admin_, "openconfig", kCertificateIdPath), "gnsi");
  EXPECT_EQ(Served(), Fingerprint(server_a_.cert_pem));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "state" / "grpc-server-profile"));
  // Both valid: both applied.
  s = Set(admin_, {StringUpdate("openconfig", kCertificateIdPath, "system_default_profile"),
                   StringUpdate("rotagent", kAdminStatePath, "maintenance")});
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(GetLeaf(admin_, "rotagent", kAdminStatePath), "maintenance");
  EXPECT_EQ(Served(), Fingerprint(default_server_.cert_pem));
}

TEST_F(PartialWriteAttackTest, ExistingEntityCannotCopyTheDeviceIdentity) {
  StartAgent();
  for (auto type : {pb::ExistingEntity::ENTITY_TYPE_CERTIFICATE_CHAIN,
                    pb::ExistingEntity::ENTITY_TYPE_TRUST_BUNDLE}) {
    SCOPED_TRACE(pb::ExistingEntity::EntityType_Name(type));
    pb::Entity e;
    e.set_version("copied");
    e.set_created_on(1700000000);
    e.mutable_existing_entity()->set_ssl_profile_id("system_default_profile");
    e.mutable_existing_entity()->set_entity_type(type);
    auto stub = Admin();
    RotateStream s(*stub);
    EXPECT_FALSE(s.Exchange(Upload("client-tls", {e})));
    grpc::Status st = s.Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
    EXPECT_NE(st.error_message().find("system_default_profile is the device's immutable identity"),
              std::string::npos)
        << st.error_message();
  }
  EXPECT_FALSE(Committed("client-tls").has_value());
}

}  // namespace
}  // namespace rotagent::testing
