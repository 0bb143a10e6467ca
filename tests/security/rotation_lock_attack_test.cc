// Attacks on the one-rotation lock (certz): a stream that takes it and goes silent, and the race
// of a Rotate arriving while a stream its client cancelled is still rolling back.
#include "tests/security/attack_helpers.h"

namespace rotagent::testing {
namespace {

using Clock = std::chrono::steady_clock;

pb::RotateCertificateRequest GenerateCsr(const std::string& profile) {
  pb::RotateCertificateRequest req;
  req.set_ssl_profile_id(profile);
  auto* params = req.mutable_generate_csr()->mutable_params();
  params->set_csr_suite(pb::CSRSUITE_X509_KEY_TYPE_ECDSA_PRIME256V1_SIGNATURE_ALGORITHM_SHA_2_256);
  params->set_common_name("gnsi-server");
  return req;
}

class RotationLockAttackTest : public AttackTest {};

TEST_F(RotationLockAttackTest, SilentStreamAfterGenerateCsrIsEndedAtTheIdleLimit) {
  certz_options_ = "  idle_timeout: 1\n";
  StartAgent();
  auto stub = Admin();
  RotateStream silent(*stub);
  const auto start = Clock::now();
  ASSERT_TRUE(silent.Exchange(GenerateCsr("gnsi")));
  // The agent ends the stream by itself: Read returns false when it does.
  pb::RotateCertificateResponse ignored;
  EXPECT_FALSE(silent.Read(&ignored));
  const auto held = Clock::now() - start;
  EXPECT_GE(held, std::chrono::seconds(1));
  EXPECT_LT(held, std::chrono::seconds(20));
  // The lock is free: a whole rotation goes through.
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  EXPECT_EQ(Served(), Fingerprint(server_a_.cert_pem));
  // Logged before the lock was released, so before the rotation above could start.
  EXPECT_NE(agent_->Log().find("ended: the client sent nothing for the idle timeout (1 s)"),
            std::string::npos);
}

TEST_F(RotationLockAttackTest, ConfirmTimeoutCountsFromTakingTheLock) {
  confirm_timeout_ = 2;  // idle stays at its 60 s default: only the confirm timeout can fire
  StartAgent();
  auto stub = Admin();
  RotateStream s(*stub);
  ASSERT_TRUE(s.Exchange(GenerateCsr("gnsi")));  // no upload: the old timer never started
  pb::RotateCertificateResponse ignored;
  EXPECT_FALSE(s.Read(&ignored));
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  EXPECT_NE(agent_->Log().find("ended: no finalize within the confirm timeout"), std::string::npos);
}

TEST_F(RotationLockAttackTest, OpenRotationStillGetsAborted) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  auto open = StageNext();
  auto stub = Admin();
  RotateStream second(*stub);
  EXPECT_FALSE(second.Exchange(UploadLeaf("gnsi", "v9", server_a_)));
  grpc::Status s = second.Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED) << s.error_message();
  EXPECT_NE(s.error_message().find("another certz Rotate is in progress"), std::string::npos);
  ASSERT_TRUE(open->Send(Finalize("gnsi")));
  EXPECT_TRUE(open->Finish().ok());
}

TEST_F(RotationLockAttackTest, RotateRightAfterACancelledStreamSucceeds50Times) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "initial");
  const std::array<const Identity*, 2> certs = {&server_a_, &next_};
  for (int i = 0; i < 50; ++i) {
    SCOPED_TRACE("round " + std::to_string(i));
    {
      auto stub = Admin();
      RotateStream dropped(*stub);
      ASSERT_TRUE(
          dropped.Exchange(UploadLeaf("gnsi", "dropped" + std::to_string(i), *certs[(i + 1) % 2])));
      dropped.Cancel();
    }
    auto stub = Admin();
    RotateStream s(*stub);
    ASSERT_TRUE(s.Exchange(UploadLeaf("gnsi", "v" + std::to_string(i), *certs[i % 2])))
        << s.Finish().error_message();
    ASSERT_TRUE(s.Send(Finalize("gnsi")));
    grpc::Status st = s.Finish();
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_EQ(Served(), Fingerprint(certs[i % 2]->cert_pem));
  }
}

}  // namespace
}  // namespace rotagent::testing
