// Attacks on the controller's own access: every change to what the listener trusts or serves
// that would shut out the client making it is refused with FAILED_PRECONDITION, and the client
// can still connect afterwards. CRLs that expire do not lock everyone out by default.
#include "tests/security/attack_helpers.h"

namespace rotagent::testing {
namespace {

const std::string kCrlState = "/rotation/credentials/credential[name=profiles/gnsi/crl]/state/";

class LockoutAttackTest : public AttackTest {
 protected:
  void SetUp() override {
    AttackTest::SetUp();
    server_b_ = MakeServer(ca_b_, "gnsi-server-b");
  }
  // Sends one upload on gnsi in a new stream by `who`; the stream's final status.
  grpc::Status UploadAs(const Identity& who, std::vector<pb::Entity> entities,
                        bool finalize = false) {
    auto stub = Stub(who);
    RotateStream s(*stub);
    if (!s.Exchange(Upload("gnsi", std::move(entities)))) return s.Finish();
    if (finalize) s.Send(Finalize("gnsi"));
    return s.Finish();
  }
  static void ExpectLockoutRefusal(const grpc::Status& s, const std::string& why) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    EXPECT_NE(s.error_message().find(why), std::string::npos) << s.error_message();
  }
  // The controller still gets in over a brand-new connection, and gnsi still serves `served`.
  void ExpectStillAdmitted(const Identity& who, const Identity& served) {
    EXPECT_TRUE(CanConnect(agent_->port(), trust_pem_, who));
    grpc::Status s = ListProfiles(who);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(Served(), Fingerprint(served.cert_pem));
  }
  Identity server_b_;
};

TEST_F(LockoutAttackTest, TrustBundleWithoutTheCallersCaIsRefused) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  // A certificate and trust bundle of CA B only: valid on its own, but the caller is from CA A.
  grpc::Status s = UploadAs(admin_,
                            {ChainEntity("v2", 1700000100, {server_b_.cert_pem}, server_b_.key_pem),
                             TrustEntity("t2", 1700000100, {ca_b_.cert_pem})},
                            true);
  ExpectLockoutRefusal(s, "would lock out the calling client");
  ExpectStillAdmitted(admin_, server_a_);
  // The same change made by a client of CA B is allowed: the rule is about the caller.
  s = UploadAs(operator_b_,
               {ChainEntity("v2", 1700000100, {server_b_.cert_pem}, server_b_.key_pem),
                TrustEntity("t2", 1700000100, {ca_b_.cert_pem})},
               true);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(LockoutAttackTest, CrlRevokingTheCallerIsRefused) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  grpc::Status s =
      UploadAs(admin_, {CrlEntity("crl1", 1700000200, {MakeCrl(ca_a_, {&admin_})})}, true);
  ExpectLockoutRefusal(s, "would lock out the calling client");
  EXPECT_NE(s.error_message().find("revoked"), std::string::npos) << s.error_message();
  ExpectStillAdmitted(admin_, server_a_);
}

TEST_F(LockoutAttackTest, ExpiredCrlUploadIsRefused) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  grpc::Status s = UploadAs(admin_, {CrlEntity("crl1", 1700000200, {MakeCrl(ca_a_, {}, -30)})});
  ExpectLockoutRefusal(s, "has expired (nextUpdate");
  ExpectStillAdmitted(admin_, server_a_);
  EXPECT_TRUE(Committed("gnsi")->crl.version.empty());
}

TEST_F(LockoutAttackTest, BoundProfileCannotBeDeleted) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  pb::DeleteProfileRequest req;
  req.set_ssl_profile_id("gnsi");
  pb::DeleteProfileResponse resp;
  grpc::ClientContext ctx;
  grpc::Status s = Admin()->DeleteProfile(&ctx, req, &resp);
  ExpectLockoutRefusal(s, "is served by the agent's listener");
  ExpectStillAdmitted(admin_, server_a_);
  pb::GetProfileListResponse list;
  ASSERT_TRUE(ListProfiles(admin_, &list).ok());
  EXPECT_NE(std::find(list.ssl_profile_ids().begin(), list.ssl_profile_ids().end(), "gnsi"),
            list.ssl_profile_ids().end());
}

TEST_F(LockoutAttackTest, RebindingToAProfileThatExcludesTheCallerIsRefused) {
  extra_authorization_ = "  /gnmi.gNMI/Set: [\"CN=operator-b\"]\n";
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");  // gnsi trusts A and B; the default trusts only A
  grpc::Status s = SetCertificateId(operator_b_, "system_default_profile");
  ExpectLockoutRefusal(s,
                       "binding the listener to profile 'system_default_profile' would lock out");
  ExpectStillAdmitted(operator_b_, server_a_);
  EXPECT_EQ(GetLeaf(admin_, "openconfig", kCertificateIdPath), "gnsi");
  // A client of CA A may make the same change.
  s = SetCertificateId(admin_, "system_default_profile");
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Served(), Fingerprint(default_server_.cert_pem));
}

// A binding checked against a staged candidate would outlive the candidate's rollback: a profile
// with an open rotation cannot be bound until that rotation is finalized.
TEST_F(LockoutAttackTest, ProfileWithAnOpenRotationCannotBeBound) {
  extra_profiles_ = "    - id: spare\n      role: server\n";
  StartAgent();
  auto stub = Admin();
  auto stream = std::make_unique<RotateStream>(*stub);
  ASSERT_TRUE(stream->Exchange(
      Upload("spare", {ChainEntity("s1", 1700000000, {server_a_.cert_pem}, server_a_.key_pem),
                       TrustEntity("trust-s1", 1700000000, {trust_pem_})})))
      << stream->Finish().error_message();
  grpc::Status s = SetCertificateId(admin_, "spare");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_NE(s.error_message().find("profile 'spare' has a rotation in progress"), std::string::npos)
      << s.error_message();
  ASSERT_TRUE(stream->Send(Finalize("spare")));
  ASSERT_TRUE(stream->Finish().ok());
  s = SetCertificateId(admin_, "spare");
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Served(), Fingerprint(server_a_.cert_pem));
}

// The default policy (certz.expired_crl: keep): an installed CRL that passes its nextUpdate is
// reported expired and OutOfSync, goes on revoking what it lists, and locks no one else out.
TEST_F(LockoutAttackTest, InstalledCrlThatExpiresKeepsAdmittingAndIsReported) {
  extra_config_ = "state: {check_interval: 1}\n";
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  auto gnmi = Gnmi(admin_);
  GnmiSubscription sub(*gnmi, StreamRequest({GnmiPath("rotagent", kCrlState + "expiry-status")}));
  ASSERT_TRUE(sub.WaitFor([&] { return sub.synced(); }));
  grpc::Status s =
      UploadAs(admin_, {CrlEntity("crl1", 1700000200, {MakeCrl(ca_a_, {&stranger_}, 6)})}, true);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(sub.WaitFor([&] {
    auto h = sub.History("rotagent:" + kCrlState + "expiry-status");
    return !h.empty() && h.back() == "expired";
  })) << ::testing::PrintToString(sub.History("rotagent:" + kCrlState + "expiry-status"));
  EXPECT_EQ(GetLeaf(admin_, "rotagent", kCrlState + "synchronization-status"), "OutOfSync");
  EXPECT_NE(GetLeaf(admin_, "rotagent", kCrlState + "last-error").find("CRL expired at"),
            std::string::npos);
  s = ListProfiles(admin_);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(ListProfiles(stranger_).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(agent_->Log().find("CRL expired at"), std::string::npos);
}

// certz.expired_crl: enforce is the strict option: once the CRL expires its CA's clients are
// refused until a current CRL is installed.
TEST_F(LockoutAttackTest, EnforcedExpiredCrlRefusesItsCasClients) {
  extra_config_ = "state: {check_interval: 1}\n";
  certz_options_ = "  expired_crl: enforce\n";
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  grpc::Status s =
      UploadAs(admin_, {CrlEntity("crl1", 1700000200, {MakeCrl(ca_a_, {&stranger_}, 6)})}, true);
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto admin_gnmi = Gnmi(admin_);
  GnmiSubscription sub(*admin_gnmi,
                       StreamRequest({GnmiPath("rotagent", kCrlState + "expiry-status")}));
  ASSERT_TRUE(sub.WaitFor([&] {
    auto h = sub.History("rotagent:" + kCrlState + "expiry-status");
    return !h.empty() && h.back() == "expired";
  }));
  EXPECT_EQ(ListProfiles(admin_).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(ListProfiles(operator_b_).ok());
}

}  // namespace
}  // namespace rotagent::testing
