// A SIGKILL between writing /etc/shadow's temporary (which holds the never-finalized hash) and
// renaming it leaves the temporary behind. The next start removes it, and only the agent's own
// temporaries: a file of anyone else that merely looks similar stays. Same for the state dir.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>

#include "tests/integration/credentialz/credentialz_fixture.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> AgentTemps(const fs::path& dir, const std::string& base) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.rfind(base + ".rotagent-tmp.", 0) == 0) out.push_back(n);
  }
  return out;
}

class StaleTempFilesTest : public CredentialzTest {};

TEST_F(StaleTempFilesTest, KillBeforeTheShadowRenameLeavesNoTemporaryAfterRestart) {
  const std::string next = "Never-Renamed#9";
  agent_->Stop();
  StartAgent({{"ROTAGENT_FAILPOINT", "linux.shadow_before_rename"}});
  {
    auto stub = Stub();
    auto s = OpenAccountStream(*stub);
    EXPECT_FALSE(s->Exchange(PlaintextPassword("admin", next, "crash-v1")));
    (void)s->Finish();
  }
  const int st = agent_->WaitExit();
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << "failpoint never hit";
  // The crash left the temporary, holding the new hash.
  const auto left = AgentTemps("/etc", "shadow");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_NE(ReadFileText(fs::path("/etc") / left[0]).find("\nadmin:$"), std::string::npos);

  // Look-alikes of other programs, and an agent temporary in the state dir.
  const std::vector<fs::path> foreign = {"/etc/shadow.tmp.1234.5678", "/etc/shadow-",
                                         "/etc/shadow.rotagent-tmp.notdigits",
                                         "/etc/gshadow.rotagent-tmp.1.2", dir_ / "state/keep-me"};
  for (const auto& f : foreign) std::ofstream(f) << "not the agent's\n";
  const fs::path state_temp = dir_ / "state/journal/certz.json.rotagent-tmp.42.7";
  std::ofstream(state_temp) << "{";

  StartAgent();
  EXPECT_TRUE(AgentTemps("/etc", "shadow").size() == 1 &&
              AgentTemps("/etc", "shadow")[0] == "shadow.rotagent-tmp.notdigits");
  for (const auto& f : foreign) EXPECT_TRUE(fs::exists(f)) << f;
  EXPECT_FALSE(fs::exists(state_temp));
  EXPECT_NE(agent_->Log().find("removed 1 temporary file(s) of /etc/shadow left by a crash"),
            std::string::npos);
  // The rotation never happened: the old password works, the new one does not.
  EXPECT_TRUE(PasswordLogin(ssh_port(), "admin", InitialPassword("admin")));
  EXPECT_FALSE(PasswordLogin(ssh_port(), "admin", next));
  EXPECT_TRUE(fs::is_empty(dir_ / "state/journal"));
  for (const auto& f : foreign) fs::remove(f);
}

}  // namespace
}  // namespace rotagent::testing
