#include "ctl/inventory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace rotagent::ctl {
namespace {
namespace fs = std::filesystem;

class InventoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("inventory-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  Result<Inventory> Load(const std::string& extra, const std::string& devices = "") {
    std::ofstream(dir_ / "inv.yaml")
        << "fabric: f\nclient: {cert: c.pem, key: k.pem}\ntrust_bundle: t.pem\n"
        << extra << "devices:\n  - {name: d1, address: 127.0.0.1:1}\n"
        << devices;
    return LoadInventory(dir_ / "inv.yaml");
  }
  std::string Error(const std::string& extra, const std::string& devices = "") {
    auto inv = Load(extra, devices);
    return inv.ok() ? "" : inv.status().message();
  }
  fs::path dir_;
};

TEST_F(InventoryTest, DefaultsAndRelativePaths) {
  auto inv = Load("");
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(inv->state_dir, dir_ / "rotctl-state");
  EXPECT_EQ(inv->ca_dir, dir_ / "rotctl-ca");
  EXPECT_EQ(inv->client_cert, dir_ / "c.pem");
  ASSERT_EQ(inv->certificate_profiles.size(), 1u);
  EXPECT_EQ(inv->certificate_profiles[0].id, "gnsi");
  EXPECT_EQ(inv->max_password_versions, 2);
  EXPECT_EQ(inv->upgrade_status, "none");
  EXPECT_FALSE(inv->administrative_lock);
  EXPECT_EQ(inv->devices[0].admin_state, "enabled");
}

TEST_F(InventoryTest, ErrorsNameTheLineAndKey) {
  EXPECT_EQ(
      Error("upgrade_status: maybe\n"),
      (dir_ / "inv.yaml").string() + ":4: upgrade_status: must be none, in-progress or failed");
  EXPECT_NE(Error("certificate_profiles: [{id: x, role: peer}]\n")
                .find("certificate_profiles[0].role: must be server or client"),
            std::string::npos);
  EXPECT_NE(Error("password_profiles: [{name: ../x, account: a}]\n")
                .find("password_profiles[0].name: only letters, digits"),
            std::string::npos);
  EXPECT_NE(Error("password_profiles: [{name: A, account: a}, {name: A, account: b}]\n")
                .find("duplicate password profile"),
            std::string::npos);
  EXPECT_NE(Error("max_password_versions: 0\n").find("max_password_versions"), std::string::npos);
  EXPECT_NE(Error("", "  - {name: d1, address: x:2}\n").find("duplicate device"),
            std::string::npos);
  EXPECT_NE(Error("", "  - {name: d2, address: x:2, admin_state: off}\n")
                .find("must be enabled, disabled, rma or maintenance"),
            std::string::npos);
}

std::vector<std::string> Ids(const ResolvedPlan& p) {
  std::vector<std::string> out;
  for (const auto& c : p.certificates) out.push_back(c.id);
  for (const auto& w : p.passwords) out.push_back(w.name);
  return out;
}

TEST_F(InventoryTest, PlansByRoleWithDeviceOverridesAndFeatures) {
  const std::string profiles =
      "certificate_profiles: [{id: gnsi, role: server}, {id: syslog-client, role: client}]\n"
      "password_profiles: [{name: Admin, account: admin}, {name: TelcoRO1, account: telcoro1, "
      "feature: method-d-v1.5}, {name: TerminalServer, account: tsadmin}]\n"
      "plans:\n  switch: {certificates: [gnsi], passwords: [Admin, TelcoRO1]}\n"
      "  terminal-server: {certificates: [gnsi], passwords: [TerminalServer]}\n";
  const std::string devices =
      "  - {name: ts1, address: x:2, role: terminal-server}\n"
      "  - {name: linux1, address: x:3, certificates: [gnsi, syslog-client]}\n";
  auto inv = Load(profiles, devices);
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(Ids(inv->PlanFor(*inv->Find("d1"))), (std::vector<std::string>{"gnsi", "Admin"}));
  EXPECT_EQ(Ids(inv->PlanFor(*inv->Find("ts1"))),
            (std::vector<std::string>{"gnsi", "TerminalServer"}));
  EXPECT_EQ(Ids(inv->PlanFor(*inv->Find("linux1"))),
            (std::vector<std::string>{"gnsi", "syslog-client", "Admin"}));
  // The feature flag brings in the profiles behind it.
  inv = Load(profiles + "features: [method-d-v1.5]\n", devices);
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(Ids(inv->PlanFor(*inv->Find("d1"))),
            (std::vector<std::string>{"gnsi", "Admin", "TelcoRO1"}));
  // Without plans every device takes every active profile.
  inv = Load("password_profiles: [{name: Admin, account: admin}]\n");
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(Ids(inv->PlanFor(inv->devices[0])), (std::vector<std::string>{"gnsi", "Admin"}));
}

TEST_F(InventoryTest, PlanErrorsNameTheProfileOrRole) {
  EXPECT_NE(Error("plans: {switch: {passwords: [Nobody]}}\n")
                .find("plans.switch.passwords: no password profile 'Nobody'"),
            std::string::npos);
  EXPECT_NE(Error("plans: {switch: {certificates: [gnsi]}}\n",
                  "  - {name: d2, address: x:2, role: router}\n")
                .find("no plan for role 'router' (plans: switch)"),
            std::string::npos);
  EXPECT_NE(Error("", "  - {name: d2, address: x:2, certificates: [nope]}\n")
                .find("devices[1].certificates: no certificate profile 'nope' (defined: gnsi)"),
            std::string::npos);
  EXPECT_NE(Error("retry: {max_attempts: 0}\n").find("retry.max_attempts"), std::string::npos);
  EXPECT_NE(Error("retry: {initial_backoff_ms: 900, max_backoff_ms: 100}\n")
                .find("must not be below retry.initial_backoff_ms"),
            std::string::npos);
  EXPECT_NE(Error("strict_preflight: maybe\n").find("strict_preflight"), std::string::npos);
}

}  // namespace
}  // namespace rotagent::ctl
