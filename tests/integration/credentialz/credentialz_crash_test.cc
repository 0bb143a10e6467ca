// SIGKILL at every step of a password rotation: after a restart the account has exactly one
// working password, the old or the new, and the agent records the version that works.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "tests/integration/credentialz/credentialz_fixture.h"

namespace rotagent::testing {
namespace {

namespace fs = std::filesystem;

class CredentialzCrashTest : public CredentialzTest,
                             public ::testing::WithParamInterface<std::string> {};

std::string CommittedPasswordVersion(const fs::path& state) {
  const fs::path meta = state / "accounts/admin/committed/meta.json";
  if (!fs::exists(meta)) return "";
  auto j = nlohmann::json::parse(ReadFileText(meta));
  return j.contains("password") ? j["password"].value("version", "") : "";
}

TEST_P(CredentialzCrashTest, KillAtStepLeavesExactlyOneWorkingPassword) {
  const std::string failpoint = GetParam();
  const std::string next = "After-Crash#7";
  agent_->Stop();
  StartAgent({{"ROTAGENT_FAILPOINT", failpoint}});
  {
    auto stub = Stub();
    auto s = OpenAccountStream(*stub);
    if (s->Exchange(PlaintextPassword("admin", next, "crash-v1"))) s->Send(FinalizeAccounts());
    (void)s->Finish();
  }
  int st = agent_->WaitExit();
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
      << "failpoint " << failpoint << " never hit";
  StartAgent();
  const bool old_works = PasswordLogin(ssh_port(), "admin", InitialPassword("admin"));
  const bool new_works = PasswordLogin(ssh_port(), "admin", next);
  EXPECT_NE(old_works, new_works) << "old works: " << old_works << ", new works: " << new_works;
  EXPECT_EQ(CommittedPasswordVersion(dir_ / "state"), new_works ? "crash-v1" : "");
  EXPECT_TRUE(fs::is_empty(dir_ / "state/journal"));
  // And the next rotation works.
  const std::string third = "Third#8";
  ASSERT_TRUE(RotateAccounts(PlaintextPassword("admin", third, "crash-v2")).ok());
  EXPECT_TRUE(PasswordLogin(ssh_port(), "admin", third));
}

INSTANTIATE_TEST_SUITE_P(EveryStep, CredentialzCrashTest,
                         ::testing::Values("txn.journal_opened", "store.slot_written",
                                           "txn.live_switched", "linux.shadow_before_rename",
                                           "linux.shadow_written", "txn.staged",
                                           "txn.platform_committed", "txn.commit_decided",
                                           "txn.committed", "txn.closing", "txn.journal_closed"),
                         FailpointName());

}  // namespace
}  // namespace rotagent::testing
