// The password proof logs in over SSH with the new plaintext password. A local user who gets a
// listener onto the configured port first (sshd restarting, or a typo'd port) must not receive
// it: the probe only talks to a server showing one of the box's own host keys.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/credentialz/credentialz_fixture.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;

class PasswordProbePinningTest : public CredentialzTest {};

TEST_F(PasswordProbePinningTest, APasswordIsNeverSentToAServerWithAnotherHostKey) {
  // The box's own key files now name another key: the sshd on the port is a stranger.
  const SshKeyPair other = MakeSshKey(dir_.string(), "not-the-box", "ed25519");
  const std::string own = ReadFileText(sshd_->host_public_key());
  std::ofstream(sshd_->host_public_key()) << other.public_line << "\n";
  const std::string shadow = ReadFileText("/etc/shadow");
  const std::string next = "Not-For-Strangers#1";
  grpc::Status s = RotateAccounts(PlaintextPassword("admin", next, "pin-v1"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_NE(s.error_message().find("showed a host key that is not one of the box's own"),
            std::string::npos)
      << s.error_message();
  EXPECT_NE(s.error_message().find("the password was not sent"), std::string::npos);
  // Rolled back; sshd never saw a login attempt for admin.
  EXPECT_EQ(ReadFileText("/etc/shadow"), shadow);
  EXPECT_EQ(sshd_->Log().find("for admin"), std::string::npos) << sshd_->Log();

  // With the box's own key back, the same rotation proves itself and takes effect.
  std::ofstream(sshd_->host_public_key()) << own;
  ASSERT_TRUE(RotateAccounts(PlaintextPassword("admin", next, "pin-v1")).ok());
  EXPECT_TRUE(PasswordLogin(ssh_port(), "admin", next));
}

}  // namespace
}  // namespace rotagent::testing
