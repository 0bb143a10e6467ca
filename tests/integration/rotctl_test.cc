// rotctl against real agents: device status in the fabric API's shape, and its errors.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/certz_fixture.h"
#include "tests/support/run_command.h"
#include "tests/support/sshd_process.h"

namespace rotagent::testing {
namespace {

class RotctlTest : public CertzTest {
 protected:
  void WriteInventory(const std::string& extra_devices = "") {
    const std::string d = dir_.string();
    std::ofstream(dir_ / "rotctl-cert.pem") << admin_.cert_pem;
    std::ofstream(dir_ / "rotctl-key.pem") << admin_.key_pem;
    std::ofstream(dir_ / "agents-ca.pem") << trust_pem_;
    std::ofstream(dir_ / "inventory.yaml")
        << "fabric: lab\n"
        << "client: {cert: rotctl-cert.pem, key: rotctl-key.pem}\n"
        << "trust_bundle: agents-ca.pem\n"
        << "devices:\n"
        << "  - {name: leaf1, address: 127.0.0.1:" << agent_->port() << ", role: switch}\n"
        << extra_devices;
  }
  int Rotctl(const std::vector<std::string>& args, std::string* out) {
    std::vector<std::string> argv = {ROTCTL_PATH, "--inventory",
                                     (dir_ / "inventory.yaml").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, "", out);
  }
};

TEST_F(RotctlTest, DeviceShowReportsWhatTheAgentHolds) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  WriteInventory();
  std::string out;
  ASSERT_EQ(Rotctl({"--output", "json", "device", "show", "leaf1"}, &out), 0) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["name"], "leaf1");
  EXPECT_EQ(j["adminState"], "enabled");
  EXPECT_EQ(j["agentAdminState"], "enabled");
  nlohmann::json gnsi;
  for (const auto& c : j["certificateRotationStatus"]) {
    if (c["certificateArchiveReference"]["certificateName"] == "gnsi" &&
        c["certificateType"] == "ServerCertificate") {
      gnsi = c;
    }
  }
  ASSERT_FALSE(gnsi.is_null()) << out;
  EXPECT_EQ(gnsi["certificateArchiveReference"]["certificateVersion"], "v1");
  EXPECT_EQ(gnsi["synchronizationStatus"], "InSync");
  EXPECT_FALSE(gnsi["expireTime"].get<std::string>().empty());
  EXPECT_FALSE(gnsi["lastRotationTime"].get<std::string>().empty());
  ASSERT_EQ(Rotctl({"device", "show", "leaf1"}, &out), 0) << out;
  EXPECT_NE(out.find("profiles/gnsi/chain"), std::string::npos) << out;
  EXPECT_NE(out.find("InSync"), std::string::npos) << out;
}

TEST_F(RotctlTest, ErrorsHaveDistinctExitCodesAndNameTheProblem) {
  StartAgent();
  WriteInventory("  - {name: dead, address: 127.0.0.1:" + std::to_string(FreePort()) + "}\n");
  std::string out;
  EXPECT_EQ(Rotctl({"device", "show", "nosuch"}, &out), 2);
  EXPECT_NE(out.find("no device 'nosuch'"), std::string::npos) << out;
  EXPECT_EQ(Rotctl({"device", "show", "dead"}, &out), 1);
  EXPECT_NE(out.find("device dead"), std::string::npos) << out;
  EXPECT_EQ(Rotctl({"frobnicate"}, &out), 2);
  EXPECT_EQ(Rotctl({"--help"}, &out), 0);
  EXPECT_NE(out.find("device show NAME"), std::string::npos);
  std::ofstream(dir_ / "inventory.yaml", std::ios::app) << "colour: blue\n";
  EXPECT_EQ(Rotctl({"device", "show", "leaf1"}, &out), 2);
  EXPECT_NE(out.find("inventory.yaml:7: colour: unknown key"), std::string::npos) << out;
}

TEST_F(RotctlTest, FabricShowSortsDevicesBySyncAndReachability) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  WriteInventory("  - {name: dead, address: 127.0.0.1:" + std::to_string(FreePort()) +
                 "}\n  - {name: parked, address: 127.0.0.1:1, admin_state: maintenance}\n");
  std::string out;
  ASSERT_EQ(Rotctl({"--output", "json", "fabric", "show"}, &out), 3) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["fabric"], "lab");
  EXPECT_EQ(j["totalDevices"], 3);
  EXPECT_EQ(j["inSyncDeviceIds"], nlohmann::json::array({"leaf1"}));
  EXPECT_EQ(j["unreachableDeviceIds"], nlohmann::json::array({"dead"}));
  EXPECT_EQ(j["skippedDeviceIds"], nlohmann::json::array({"parked"}));
  EXPECT_EQ(j["outOfSyncDeviceIds"], nlohmann::json::array());
  EXPECT_EQ(j["uniquePasswordSetCount"], 0);  // no device reports a managed password yet
  EXPECT_FALSE(j["lastRotationTime"].get<std::string>().empty());
  // A dropped rotation leaves leaf1 out of sync.
  StageNext().reset();
  auto stub = Admin();
  ASSERT_TRUE(WaitRotationIdle(*stub, "gnsi"));
  ASSERT_EQ(Rotctl({"--output", "json", "fabric", "show"}, &out), 3) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["outOfSyncDeviceIds"], nlohmann::json::array({"leaf1"}));
}

}  // namespace
}  // namespace rotagent::testing
