// Attacks on credentialz's one-rotation lock, which a stream takes before reading anything: a
// stream that never sends, and a Rotate right after a stream its client cancelled.
#include <gtest/gtest.h>

#include "tests/integration/credentialz/credentialz_fixture.h"

namespace rotagent::testing {
namespace {

using Clock = std::chrono::steady_clock;

class CredentialzLockAttackTest : public CredentialzTest {};

TEST_F(CredentialzLockAttackTest, StreamThatNeverSendsIsEndedAtTheIdleLimit) {
  idle_timeout_ = 1;
  StartAgent();
  auto stub = Stub();
  auto silent = OpenAccountStream(*stub);
  const auto start = Clock::now();
  cz::RotateAccountCredentialsResponse ignored;
  EXPECT_FALSE(silent->Read(&ignored));  // the agent ends it by itself
  EXPECT_GE(Clock::now() - start, std::chrono::seconds(1));
  const SshKeyPair key = MakeSshKey(dir_.string(), "k", "ed25519");
  grpc::Status s =
      RotateAccounts(AuthorizedKeys("admin", {key.public_line}, cz::KEY_TYPE_ED25519, "k1"));
  EXPECT_TRUE(s.ok()) << s.error_message();
  // Logged before the lock was released, so before the rotation above could start.
  EXPECT_NE(agent_->Log().find("ended: the client sent nothing for the idle timeout (1 s)"),
            std::string::npos);
}

TEST_F(CredentialzLockAttackTest, RotateRightAfterACancelledStreamSucceeds50Times) {
  StartAgent();
  const std::string d = dir_.string();
  const std::array<SshKeyPair, 2> keys = {MakeSshKey(d, "a", "ed25519"),
                                          MakeSshKey(d, "b", "ed25519")};
  for (int i = 0; i < 50; ++i) {
    SCOPED_TRACE("round " + std::to_string(i));
    {
      auto stub = Stub();
      auto dropped = OpenAccountStream(*stub);
      ASSERT_TRUE(
          dropped->Exchange(AuthorizedKeys("admin", {keys[(i + 1) % 2].public_line},
                                           cz::KEY_TYPE_ED25519, "dropped" + std::to_string(i))));
      dropped->Cancel();
    }
    grpc::Status s = RotateAccounts(AuthorizedKeys("admin", {keys[i % 2].public_line},
                                                   cz::KEY_TYPE_ED25519, "k" + std::to_string(i)));
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
}

}  // namespace
}  // namespace rotagent::testing
