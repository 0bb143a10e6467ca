// rotctl against a fabric of real rotagentd processes on loopback, each in its own mount
// namespace with its own /etc: fabric rotations with one device made to fail and one disabled,
// partial success reported truthfully, convergence by resync, the expiry report, and the
// guardrails (fabric lock, administrative lock, password-set limit).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/account_sandbox.h"
#include "tests/support/agent_process.h"
#include "tests/support/certz_client.h"
#include "tests/support/pki.h"
#include "tests/support/run_command.h"
#include "tests/support/sshd_process.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kAccount = "fabricadmin";

struct Agent {
  std::string name;
  int port;
  std::unique_ptr<AgentProcess> process;
};

class FabricTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("rotagent-fabric-" + std::string(info->name()) + "-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ca_ = MakeCa("fabric bootstrap CA");
    rotctl_ = MakeLeaf(ca_, "rotctl");
    std::ofstream(dir_ / "rotctl-cert.pem") << rotctl_.cert_pem;
    std::ofstream(dir_ / "rotctl-key.pem") << rotctl_.key_pem;
    std::ofstream(dir_ / "agents-ca.pem") << ca_.cert_pem;
  }
  void TearDown() override {
    agents_.clear();
    if (!HasFailure()) fs::remove_all(dir_);
  }

  // Starts device `name`; `env` may hold a failpoint that makes it fail its first rotation.
  // Without a private /etc the agent shares the test's accounts, as a local sshd does.
  void AddAgent(const std::string& name, const std::map<std::string, std::string>& env = {},
                bool private_etc = true) {
    const fs::path d = dir_ / name;
    fs::create_directories(d);
    const Identity id = MakeServer(ca_, name + "-bootstrap");
    std::ofstream(d / "id-cert.pem") << id.cert_pem;
    std::ofstream(d / "id-key.pem") << id.key_pem;
    std::ofstream(d / "id-trust.pem") << ca_.cert_pem;
    Agent a{name, FreePort(), nullptr};
    a.process = std::make_unique<AgentProcess>(d, AgentConfig(d, a.port));
    if (private_etc) {
      ASSERT_EQ(RunCommand({"cp", "-a", "/etc/.", (d / "etc").string()}), 0);
      a.process->SetPrivateEtc(d / "etc");
    }
    a.process->Start(env);
    agents_.push_back(std::move(a));
  }
  static std::string AgentConfig(const fs::path& d, int port) {
    const std::string s = d.string();
    return "listen: 127.0.0.1:" + std::to_string(port) + "\nstate_dir: " + s +
           "/state\nlog_level: debug\n"
           "identity: {cert: " +
           s + "/id-cert.pem, key: " + s + "/id-key.pem, trust_bundle: " + s +
           "/id-trust.pem}\n"
           "grpc_server: {ssl_profile: gnsi}\n"
           "certz:\n  profiles:\n    - {id: gnsi, role: server}\n"
           "    - {id: syslog-client, role: client}\n"
           "credentialz:\n  accounts: [{name: " +
           std::string(kAccount) +
           ", role: Admin}]\n"
           "authorization:\n"
           "  gnsi.certz.v1.Certz: [\"CN=rotctl\"]\n"
           "  gnsi.credentialz.v1.Credentialz: [\"CN=rotctl\"]\n"
           "  gnmi.gNMI: [\"CN=rotctl\"]\n";
  }
  Agent& Get(const std::string& name) {
    for (auto& a : agents_) {
      if (a.name == name) return a;
    }
    throw std::runtime_error("no agent " + name);
  }
  // The failed device comes back (without its failpoint); its agent recovers on start.
  void Restart(const std::string& name) {
    Agent& a = Get(name);
    a.process->WaitExit();
    a.process->Start();
  }

  void WriteInventory(const std::string& extra = "") {
    std::ofstream inv(dir_ / "inventory.yaml");
    inv << "fabric: lab\n"
        << "client: {cert: rotctl-cert.pem, key: rotctl-key.pem}\n"
        << "trust_bundle: agents-ca.pem\n"
        << "certificate_profiles: [{id: gnsi, role: server}, {id: syslog-client, role: client}]\n"
        << "password_profiles: [{name: Admin, account: " << kAccount << "}]\n"
        << extra << "devices:\n";
    for (const auto& a : agents_) {
      inv << "  - {name: " << a.name << ", address: 127.0.0.1:" << a.port << "}\n";
    }
    inv << "  - {name: parked, address: 127.0.0.1:1, admin_state: maintenance}\n";
  }
  int Rotctl(const std::vector<std::string>& args, std::string* out) {
    std::vector<std::string> argv = {ROTCTL_PATH, "--inventory",
                                     (dir_ / "inventory.yaml").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, "", out);
  }
  json RotctlJson(const std::vector<std::string>& args, int want_rc) {
    std::string out;
    std::vector<std::string> a = {"--output", "json"};
    a.insert(a.end(), args.begin(), args.end());
    const int rc = Rotctl(a, &out);
    EXPECT_EQ(rc, want_rc) << out;
    // Progress and warnings go to stderr, which RunCommand merges; the JSON is the last block.
    const size_t start = out.find_first_of("{[");
    return json::parse(out.substr(start == std::string::npos ? 0 : start), nullptr, false);
  }
  // A stored password, revealed by rotctl to a new 0600 file (the store is sealed at rest).
  std::string Reveal(const std::string& profile, int version) {
    const fs::path file = dir_ / ("reveal-" + profile + "-" + std::to_string(version));
    std::string out;
    EXPECT_EQ(Rotctl({"secrets", "show", profile, "--version", std::to_string(version), "--to",
                      file.string()},
                     &out),
              0)
        << out;
    std::string password;
    std::getline(std::ifstream(file), password);
    fs::remove(file);
    return password;
  }
  static std::map<std::string, std::string> Outcomes(const json& op) {
    std::map<std::string, std::string> out;
    for (const auto& d : op["devices"]) out[d["device"]] = d["status"];
    return out;
  }
  // The three-device fabric of these tests: leaf3 dies at its first rotation's staging.
  void StartFabric() {
    AddAgent("leaf1");
    AddAgent("leaf2");
    AddAgent("leaf3", {{"ROTAGENT_FAILPOINT", "txn.staged"}});
    WriteInventory();
    std::string out;
    ASSERT_EQ(Rotctl({"ca", "init"}, &out), 0) << out;
  }

  fs::path dir_;
  Identity ca_, rotctl_;
  std::vector<Agent> agents_;
};

const json kLeaf12 = json::array({"leaf1", "leaf2"});

TEST_F(FabricTest, RotateCertsReportsPartialSuccessAndResyncConverges) {
  StartFabric();
  json op = RotctlJson({"fabric", "rotate-certs", "--wait"}, 3);
  EXPECT_EQ(op["status"], "PartialSuccess");
  EXPECT_EQ(op["certificateVersion"], "v1");
  EXPECT_EQ(Outcomes(op), (std::map<std::string, std::string>{{"leaf1", "Succeeded"},
                                                              {"leaf2", "Succeeded"},
                                                              {"leaf3", "Failed"},
                                                              {"parked", "Skipped"}}));
  // The rotated devices serve a certificate from the lab CA, generated on the device.
  json leaf1 = RotctlJson({"device", "show", "leaf1"}, 0);
  int certs = 0;
  for (const auto& c : leaf1["certificateRotationStatus"]) {
    const std::string name = c["certificateArchiveReference"]["certificateName"];
    if (name == "gnsi" || name == "syslog-client") {
      EXPECT_EQ(c["certificateArchiveReference"]["certificateVersion"], "v1") << name;
      EXPECT_EQ(c["synchronizationStatus"], "InSync") << name;
      ++certs;
    }
  }
  EXPECT_EQ(certs, 4);  // the chain and trust bundle of both profiles

  Restart("leaf3");
  json show = RotctlJson({"fabric", "show"}, 3);
  EXPECT_EQ(show["state"], "PartialSuccess");
  EXPECT_EQ(show["succeededDeviceIds"], kLeaf12);
  EXPECT_EQ(show["failedDeviceIds"], json::array({"leaf3"}));
  EXPECT_EQ(show["outOfSyncDeviceIds"], json::array({"leaf3"}));
  EXPECT_EQ(show["skippedDeviceIds"], json::array({"parked"}));
  EXPECT_EQ(show["totalDevices"], 4);

  op = RotctlJson({"fabric", "resync-certs", "--wait"}, 0);
  EXPECT_EQ(op["status"], "Succeeded");
  EXPECT_EQ(op["certificateVersion"], "v1");  // the same version, reissued
  EXPECT_EQ(Outcomes(op), (std::map<std::string, std::string>{{"leaf1", "Skipped"},
                                                              {"leaf2", "Skipped"},
                                                              {"leaf3", "Succeeded"},
                                                              {"parked", "Skipped"}}));
  show = RotctlJson({"fabric", "show"}, 0);
  EXPECT_EQ(show["inSyncDeviceIds"], json::array({"leaf1", "leaf2", "leaf3"}));
  EXPECT_EQ(show["failedDeviceIds"], json::array());

  // Expiry: the devices' own identities (issued here for 30 days) come first, then the lab CA's
  // 365-day leaves; nothing expires within a day.
  EXPECT_EQ(RotctlJson({"expiry", "--within", "1d"}, 0), json::array());
  json soon = RotctlJson({"expiry", "--within", "31d"}, 0);
  ASSERT_EQ(soon.size(), 3u) << soon.dump();
  for (const auto& e : soon) EXPECT_EQ(e["credential"], "profiles/system_default_profile/chain");
  json all = RotctlJson({"expiry", "--within", "400d", "--take", "5"}, 0);
  ASSERT_EQ(all.size(), 5u) << all.dump();
  EXPECT_NE(all[3]["credential"], "profiles/system_default_profile/chain") << all.dump();
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LE(all[i - 1]["secondsLeft"].get<int64_t>(), all[i]["secondsLeft"].get<int64_t>());
  }
}

TEST_F(FabricTest, RotatePasswordsCountsPasswordSetsAndResyncNeverMakesSecrets) {
  StartFabric();
  json show = RotctlJson({"fabric", "show"}, 0);
  EXPECT_EQ(show["uniquePasswordSetCount"], 1);  // every device on its initial password

  json op = RotctlJson({"fabric", "rotate-passwords", "--wait"}, 3);
  EXPECT_EQ(op["status"], "PartialSuccess");
  EXPECT_EQ(op["passwordVersions"]["Admin"], 1);
  EXPECT_EQ(Outcomes(op)["leaf3"], "Failed");
  Restart("leaf3");
  show = RotctlJson({"fabric", "show"}, 3);
  EXPECT_EQ(show["uniquePasswordSetCount"], 2);
  EXPECT_EQ(show["outOfSyncDeviceIds"], json::array({"leaf3"}));

  // The secret is stored 0600 in a 0700 directory, and the devices hold its sha512-crypt hash.
  const fs::path secret = dir_ / "rotctl-state" / "secrets" / "Admin" / "1";
  ASSERT_TRUE(fs::exists(secret));
  EXPECT_EQ(fs::status(secret).permissions(), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(fs::status(secret.parent_path()).permissions(), fs::perms::owner_all);
  std::string password = Reveal("Admin", 1);
  ASSERT_EQ(password.size(), 24u);
  EXPECT_EQ(ReadText(secret).find(password), std::string::npos);  // sealed at rest
  std::string shadow;
  std::ifstream in(dir_ / "leaf1" / "etc" / "shadow");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(std::string(kAccount) + ":", 0) == 0) shadow = line;
  }
  EXPECT_EQ(shadow.rfind(std::string(kAccount) + ":$6$", 0), 0u) << shadow;
  EXPECT_EQ(shadow.find(password), std::string::npos);

  // Two password sets already: a new rotation would make three, and is refused.
  std::string out;
  EXPECT_EQ(Rotctl({"fabric", "rotate-passwords", "--wait"}, &out), 4) << out;
  EXPECT_NE(out.find("already holds 2 distinct password sets"), std::string::npos) << out;
  EXPECT_NE(out.find("leaf3"), std::string::npos) << out;

  op = RotctlJson({"fabric", "resync-passwords", "--wait"}, 0);
  EXPECT_EQ(op["passwordVersions"]["Admin"], 1);
  EXPECT_EQ(Outcomes(op)["leaf3"], "Succeeded");
  EXPECT_FALSE(fs::exists(secret.parent_path() / "2"));  // resync made no secret
  show = RotctlJson({"fabric", "show"}, 0);
  EXPECT_EQ(show["uniquePasswordSetCount"], 1);
  EXPECT_EQ(show["inSyncDeviceIds"], json::array({"leaf1", "leaf2", "leaf3"}));

  // Now a rotation is allowed again, and a device resync pushes the current version.
  op = RotctlJson({"fabric", "rotate-passwords", "--wait"}, 0);
  EXPECT_EQ(op["passwordVersions"]["Admin"], 2);
  op = RotctlJson({"device", "resync-passwords", "leaf2", "--wait"}, 0);
  EXPECT_EQ(Outcomes(op), (std::map<std::string, std::string>{{"leaf2", "Succeeded"}}));
  json dev = RotctlJson({"device", "show", "leaf2"}, 0);
  ASSERT_EQ(dev["secretRotationStatus"].size(), 1u) << dev.dump();
  EXPECT_EQ(dev["secretRotationStatus"][0]["secretArchiveReference"]["secretVersion"], "v2");
  EXPECT_EQ(dev["secretRotationStatus"][0]["synchronizationStatus"], "InSync");
}

TEST_F(FabricTest, GuardrailsRefuseWithTheBlockingStateOrOperation) {
  AddAgent("leaf1");
  WriteInventory("administrative_lock: true\n");
  std::string out;
  EXPECT_EQ(Rotctl({"fabric", "rotate-passwords"}, &out), 4);
  EXPECT_NE(out.find("locked by an administrator"), std::string::npos) << out;
  WriteInventory("upgrade_status: in-progress\n");
  EXPECT_EQ(Rotctl({"fabric", "resync-passwords"}, &out), 4);
  EXPECT_NE(out.find("is upgrading"), std::string::npos) << out;
  WriteInventory();
  EXPECT_EQ(Rotctl({"device", "resync-passwords", "parked"}, &out), 4);
  EXPECT_NE(out.find("device parked is maintenance"), std::string::npos) << out;
  EXPECT_EQ(Rotctl({"fabric", "resync-passwords"}, &out), 4);
  EXPECT_NE(out.find("nothing to resync"), std::string::npos) << out;
  EXPECT_EQ(Rotctl({"fabric", "rotate-certs"}, &out), 4);
  EXPECT_NE(out.find("rotctl ca init"), std::string::npos) << out;

  // A device that accepts TCP and never answers holds a background rotation open: a second
  // operation is refused, naming the first, until the first is done.
  const int hold = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(hold, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(hold, 8), 0);
  socklen_t len = sizeof addr;
  getsockname(hold, reinterpret_cast<sockaddr*>(&addr), &len);
  std::ofstream(dir_ / "inventory.yaml", std::ios::trunc)
      << "fabric: lab\nclient: {cert: rotctl-cert.pem, key: rotctl-key.pem}\n"
      << "trust_bundle: agents-ca.pem\npassword_profiles: [{name: Admin, account: " << kAccount
      << "}]\ndevices:\n  - {name: leaf1, address: 127.0.0.1:" << agents_[0].port << "}\n"
      << "  - {name: silent, address: 127.0.0.1:" << ntohs(addr.sin_port) << "}\n";
  ASSERT_EQ(Rotctl({"ca", "init"}, &out), 0) << out;
  json accepted = RotctlJson({"fabric", "rotate-certs"}, 0);
  ASSERT_EQ(accepted["status"], "Accepted") << accepted.dump();
  const std::string id = accepted["id"];
  EXPECT_EQ(Rotctl({"device", "resync-passwords", "leaf1"}, &out), 4);
  EXPECT_NE(out.find("another fabric-wide operation is running: operation " + id),
            std::string::npos)
      << out;
  json running = RotctlJson({"operation", "show", id}, 0);
  EXPECT_TRUE(running["status"] == "InProgress" || running["status"] == "Accepted") << running;
  // The runner's connection to the silent device is reset, and its rotation fails.
  const int conn = accept(hold, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  close(conn);
  close(hold);
  json done = RotctlJson({"operation", "show", id, "--wait"}, 3);
  EXPECT_EQ(done["status"], "PartialSuccess");
  EXPECT_EQ(Outcomes(done),
            (std::map<std::string, std::string>{{"leaf1", "Succeeded"}, {"silent", "Failed"}}));
  EXPECT_FALSE(done["endTime"].get<std::string>().empty());
  // The lock went with the runner.
  json resync = RotctlJson({"fabric", "resync-certs", "--wait"}, 1);
  EXPECT_EQ(Outcomes(resync)["silent"], "Failed");
  EXPECT_EQ(Outcomes(resync)["leaf1"], "Skipped");
}

TEST_F(FabricTest, LabKitRunsGreenAgainstALocalAgent) {
  SshdProcess sshd(dir_ / "sshd");
  sshd.Start();
  AddAgent("lab1", {}, /*private_etc=*/false);
  WriteInventory();
  std::string out;
  ASSERT_EQ(Rotctl({"ca", "init"}, &out), 0) << out;
  const fs::path report = dir_ / "lab1-report.json";
  ASSERT_EQ(Rotctl({"validate", "lab1", "--account", kAccount, "--ssh-address",
                    "127.0.0.1:" + std::to_string(sshd.port()), "--report", report.string()},
                   &out),
            0)
      << out;
  EXPECT_NE(out.find("7 passed, 0 failed, 0 skipped"), std::string::npos) << out;
  const json j = json::parse(ReadText(report));
  EXPECT_EQ(j["passed"], true);
  std::vector<std::string> checks;
  for (const auto& c : j["checks"]) {
    checks.push_back(c["check"]);
    EXPECT_EQ(c["result"], "pass") << c.dump();
  }
  EXPECT_EQ(checks, (std::vector<std::string>{"reach", "certificate-rotation",
                                              "certificate-rollback-on-drop",
                                              "version-already-exists", "password-rotation",
                                              "password-rollback-on-drop", "state-reporting"}));
  EXPECT_EQ(fs::status(report).permissions(), fs::perms::owner_read | fs::perms::owner_write);
  // The report and the output hold no secret: the password lives only in the secret store.
  const std::string password = Reveal("validate-" + std::string(kAccount), 1);
  ASSERT_FALSE(password.empty());
  EXPECT_EQ(out.find(password), std::string::npos);
  EXPECT_EQ(ReadText(report).find(password), std::string::npos);
  // Against a device that is not there, the kit fails at once and says where.
  WriteInventory();
  std::ofstream(dir_ / "inventory.yaml", std::ios::app)
      << "  - {name: gone, address: 127.0.0.1:" << FreePort() << "}\n";
  EXPECT_EQ(Rotctl({"validate", "gone"}, &out), 1);
  EXPECT_NE(out.find("reach"), std::string::npos) << out;
  EXPECT_NE(out.find("FAIL"), std::string::npos) << out;
}

}  // namespace
}  // namespace rotagent::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  namespace fs = std::filesystem;
  const fs::path scratch =
      fs::temp_directory_path() / ("rotagent-fabric-" + std::to_string(getpid()));
  const bool sandboxed = !GTEST_FLAG_GET(list_tests);
  if (sandboxed) {
    rotagent::testing::EnterAccountSandbox(scratch);
    rotagent::testing::AddAccount(rotagent::testing::kAccount, "Initial+fabric+9z",
                                  scratch / "home");
  }
  int rc = RUN_ALL_TESTS();
  if (sandboxed) {
    umount2("/etc", MNT_DETACH);
    fs::remove_all(scratch);
  }
  return rc;
}
