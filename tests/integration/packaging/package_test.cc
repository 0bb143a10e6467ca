// The .deb on a clean system: installed with dpkg inside a private mount namespace whose /usr,
// /etc and /var are overlays (nothing reaches the host), it puts the default config in place,
// never overwrites an operator's config on reinstall, ships a unit that systemd-analyze accepts
// at the recorded exposure, and the unit's own command lines start the agent to READY with the
// shipped config.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "tests/support/agent_process.h"
#include "tests/support/certz_client.h"
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
  // Debian-clean: the config is a conffile (dpkg keeps an operator's edits), the manual pages,
  // copyright and changelog are where Debian looks, the state dir comes from tmpfiles.d.
  ASSERT_EQ(RunCommand({"dpkg-query", "-W", "-f=${Conffiles}", "rotagent"}, "", &out), 0) << out;
  EXPECT_NE(out.find("/etc/rotagent/agent.yaml"), std::string::npos) << out;
  for (const char* f :
       {"/usr/share/man/man8/rotagentd.8.gz", "/usr/share/man/man1/rotctl.1.gz",
        "/usr/share/doc/rotagent/copyright", "/usr/share/doc/rotagent/changelog.gz",
        "/usr/lib/tmpfiles.d/rotagent.conf", "/usr/lib/systemd/system/rotctl-renew.service",
        "/usr/lib/systemd/system/rotctl-renew.timer"}) {
    EXPECT_TRUE(fs::exists(f)) << f;
  }
  // An operator's config survives a reinstall (an upgrade runs the same postinst).
  std::ofstream("/etc/rotagent/agent.yaml", std::ios::app) << "# the operator's edit\n";
  ASSERT_EQ(RunCommand({"dpkg", "-i", deb}, "", &out), 0) << out;
  EXPECT_NE(ReadText("/etc/rotagent/agent.yaml").find("# the operator's edit"), std::string::npos);

  const std::string unit = "/usr/lib/systemd/system/rotagentd.service";
  EXPECT_EQ(RunCommand({"systemd-analyze", "verify", unit}, "", &out), 0) << out;
  // The renewal units verify, and the service is sandboxed at least as tightly as the agent.
  for (const char* u : {"/usr/lib/systemd/system/rotctl-renew.service",
                        "/usr/lib/systemd/system/rotctl-renew.timer"}) {
    EXPECT_EQ(RunCommand({"systemd-analyze", "verify", u}, "", &out), 0) << out;
  }
  EXPECT_EQ(RunCommand({"systemd-analyze", "security", "--offline=true", "--threshold=25",
                        "/usr/lib/systemd/system/rotctl-renew.service"},
                       "", &out),
            0)
      << out;
  EXPECT_EQ(RunCommand({"systemd-analyze", "security", "--offline=true", "--threshold=25", unit},
                       "", &out),
            0)
      << out;

  // The unit's ExecStartPre and ExecStart with the shipped config, which bootstraps an identity.
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
  EXPECT_EQ(fs::status("/var/lib/rotagent/bootstrap/admin-key.pem").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(fs::status("/var/log/rotagent/audit.log").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
  agent.Stop();

  // Purge removes the state (keys included), the audit log and the conffile.
  ASSERT_EQ(RunCommand({"dpkg", "--purge", "rotagent"}, "", &out), 0) << out;
  EXPECT_FALSE(fs::exists("/var/lib/rotagent"));
  EXPECT_FALSE(fs::exists("/var/log/rotagent"));
  EXPECT_FALSE(fs::exists("/etc/rotagent/agent.yaml"));
  EXPECT_FALSE(fs::exists("/usr/sbin/rotagentd"));
}

// The same .deb under a real systemd: a container booted from an overlay of this machine's root
// (the host is untouched) installs it, then unit_check.sh starts, reloads and stops the unit and
// records what systemd says of it.
TEST(UnitUnderSystemd, InstalledUnitStartsReloadsAndStops) {
  const std::string deb_name = std::string("rotagent_") + ROTAGENT_VERSION + "_amd64.deb";
  const fs::path deb = fs::path(PACKAGE_DIR) / deb_name;
  ASSERT_TRUE(fs::exists(deb)) << deb;
  const fs::path scratch =
      fs::temp_directory_path() / ("rotagent-boot-" + std::to_string(getpid()));
  fs::remove_all(scratch);
  for (const char* d : {"up", "root", "in", "out"}) fs::create_directories(scratch / d);
  ASSERT_EQ(unshare(CLONE_NEWNS), 0) << "needs root";
  ASSERT_EQ(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
  ASSERT_EQ(mount("tmpfs", (scratch / "up").c_str(), "tmpfs", 0, nullptr), 0);
  fs::create_directories(scratch / "up/upper");
  fs::create_directories(scratch / "up/work");
  const std::string opts = "lowerdir=/,upperdir=" + (scratch / "up/upper").string() +
                           ",workdir=" + (scratch / "up/work").string();
  ASSERT_EQ(mount("overlay", (scratch / "root").c_str(), "overlay", 0, opts.c_str()), 0);
  fs::copy_file(deb, scratch / "in" / deb_name);
  fs::copy_file(UNIT_CHECK_SCRIPT, scratch / "in/unit_check.sh");
  std::ofstream(scratch / "root/etc/systemd/system/unit-check.service")
      << "[Service]\nType=oneshot\nExecStart=/check/in/unit_check.sh " << deb_name << "\n";
#ifdef ROTAGENT_SANITIZED_BUILD
  // LeakSanitizer stops threads with ptrace at exit, which the unit's SystemCallFilter forbids.
  fs::create_directories(scratch / "root/etc/systemd/system/rotagentd.service.d");
  std::ofstream(scratch / "root/etc/systemd/system/rotagentd.service.d/sanitizer.conf")
      << "[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n";
#endif

  std::string out;
  const int rc = RunCommand({"timeout", "120", "systemd-nspawn", "--quiet", "--register=no",
                             "--keep-unit", "--link-journal=no", "-D", (scratch / "root").string(),
                             "--bind-ro=" + (scratch / "in").string() + ":/check/in",
                             "--bind=" + (scratch / "out").string() + ":/check/out", "--boot",
                             "--console=pipe", "systemd.unit=unit-check.service"},
                            "", &out);
  std::map<std::string, std::string> facts;
  std::ifstream in(scratch / "out/facts");
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) facts[line.substr(0, eq)] = line.substr(eq + 1);
  }
  const std::string log = ReadText(scratch / "out/log");
  umount2((scratch / "root").c_str(), MNT_DETACH);
  umount2((scratch / "up").c_str(), MNT_DETACH);
  fs::remove_all(scratch);

  ASSERT_EQ(facts["done"], "yes") << "systemd-nspawn exit " << rc << ": " << out << "\n" << log;
  EXPECT_EQ(facts["installed"], "yes") << log;
  EXPECT_EQ(facts["started_active"], "active/running") << log;
  EXPECT_EQ(facts["status_text"], "listening on :::9339") << log;
  EXPECT_EQ(facts["nofile"], "8192") << log;
  EXPECT_EQ(facts["watchdog_pinged"], "yes") << "the listener self-probe failed?\n" << log;
  EXPECT_EQ(facts["reloaded_same_pid"], "yes") << log;
  EXPECT_EQ(facts["reloaded_active"], "active") << log;
  EXPECT_NE(facts["security"].find("Overall exposure level for rotagentd.service"),
            std::string::npos)
      << log;
  EXPECT_EQ(facts["stopped"], "inactive/success") << log;
  // The audit record of the denied client, as journald stored it (journalctl -o json).
  EXPECT_EQ(facts["audit_event"], "denied") << log;
  EXPECT_EQ(facts["audit_client"], "CN=rotagent-admin") << log;
  EXPECT_EQ(facts["audit_rpc"], "/gnmi.gNMI/Get") << log;
  EXPECT_EQ(facts["audit_code"], "PERMISSION_DENIED") << log;
  EXPECT_EQ(facts["audit_message_id"], "7d0c2a5b9e4f4c1a8f3b6d2e1c0a9b84") << log;
  EXPECT_EQ(facts["audit_unit"], "rotagentd.service") << log;
  EXPECT_EQ(facts["audit_file_mode"], "600") << log;
  EXPECT_EQ(facts["audit_file_denied"], "1") << log;
  // Recorded for the README: the score systemd gives the running unit.
  std::cout << "systemd-analyze security (live): " << facts["security"] << "\n";
}

}  // namespace
}  // namespace rotagent::testing
