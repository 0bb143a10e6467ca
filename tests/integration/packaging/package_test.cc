// The .deb on a clean system: installed with dpkg inside a private mount namespace whose /usr,
// /etc and /var are overlays (nothing reaches the host), it puts the default config in place,
// never overwrites an operator's config on reinstall, ships a unit that systemd-analyze accepts
// at the recorded exposure, and the unit's own command lines start the agent to READY.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/agent_process.h"
#include "tests/support/certz_client.h"
#include "tests/support/pki.h"
#include "tests/support/run_command.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;

class PackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = fs::temp_directory_path() / ("rotagent-pkg-" + std::to_string(getpid()));
    fs::remove_all(scratch_);
    ASSERT_EQ(unshare(CLONE_NEWNS), 0) << "needs root";
    ASSERT_EQ(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
    for (const char* d : {"usr", "etc", "var"}) {
      fs::create_directories(scratch_ / d / "up");
      fs::create_directories(scratch_ / d / "work");
      const std::string opts = "lowerdir=/" + std::string(d) +
                               ",upperdir=" + (scratch_ / d / "up").string() +
                               ",workdir=" + (scratch_ / d / "work").string();
      ASSERT_EQ(mount("overlay", ("/" + std::string(d)).c_str(), "overlay", 0, opts.c_str()), 0)
          << "overlay on /" << d;
    }
  }
  void TearDown() override {
    for (const char* d : {"/usr", "/etc", "/var"}) umount2(d, MNT_DETACH);
    fs::remove_all(scratch_);
  }
  fs::path scratch_;
};

TEST_F(PackageTest, InstallsOnACleanSystemKeepsTheConfigAndTheUnitStarts) {
  const std::string deb = std::string(PACKAGE_DIR) + "/rotagent_" + ROTAGENT_VERSION + "_amd64.deb";
  ASSERT_TRUE(fs::exists(deb)) << deb;
  ASSERT_FALSE(fs::exists("/usr/sbin/rotagentd")) << "not a clean system";
  std::string out;
  ASSERT_EQ(RunCommand({"dpkg", "-i", deb}, "", &out), 0) << out;
  EXPECT_EQ(ReadText("/etc/rotagent/agent.yaml"), ReadText("/usr/share/rotagent/agent.yaml"));
  EXPECT_EQ(fs::status("/var/lib/rotagent").permissions(), fs::perms::owner_all);
  // An operator's config survives a reinstall (an upgrade runs the same postinst).
  std::ofstream("/etc/rotagent/agent.yaml", std::ios::app) << "# the operator's edit\n";
  ASSERT_EQ(RunCommand({"dpkg", "-i", deb}, "", &out), 0) << out;
  EXPECT_NE(ReadText("/etc/rotagent/agent.yaml").find("# the operator's edit"), std::string::npos);

  const std::string unit = "/usr/lib/systemd/system/rotagentd.service";
  EXPECT_EQ(RunCommand({"systemd-analyze", "verify", unit}, "", &out), 0) << out;
  EXPECT_EQ(RunCommand({"systemd-analyze", "security", "--offline=true", "--threshold=25", unit},
                       "", &out),
            0)
      << out;

  // The unit's ExecStartPre and ExecStart, once the operator provisioned the identity.
  fs::create_directories("/etc/rotagent/identity");
  const Identity ca = MakeCa("site CA");
  const Identity id = MakeServer(ca, "switch-1");
  std::ofstream("/etc/rotagent/identity/cert.pem") << id.cert_pem;
  std::ofstream("/etc/rotagent/identity/key.pem") << id.key_pem;
  std::ofstream("/etc/rotagent/identity/ca.pem") << ca.cert_pem;
  const std::string text = ReadText(unit);
  const auto line = [&](const std::string& key) {
    const size_t at = text.find("\n" + key + "=") + key.size() + 2;
    return text.substr(at, text.find('\n', at) - at);
  };
  EXPECT_EQ(line("ExecStartPre"),
            "/usr/sbin/rotagentd --check-config --config /etc/rotagent/agent.yaml");
  EXPECT_EQ(line("ExecStart"), "/usr/sbin/rotagentd --config /etc/rotagent/agent.yaml");
  ASSERT_EQ(
      RunCommand({"/usr/sbin/rotagentd", "--check-config", "--config", "/etc/rotagent/agent.yaml"},
                 "", &out),
      0)
      << out;
  AgentProcess agent(scratch_ / "run", "/usr/sbin/rotagentd", "/etc/rotagent/agent.yaml");
  agent.Start();
  EXPECT_EQ(agent.port(), 9339);
  EXPECT_TRUE(fs::exists("/var/lib/rotagent/journal"));
}

}  // namespace
}  // namespace rotagent::testing
