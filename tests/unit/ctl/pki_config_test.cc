// The inventory's signer, secrets and archive keys: defaults, paths and a precise error for each
// bad value.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ctl/inventory.h"

namespace rotagent::ctl {
namespace {
namespace fs = std::filesystem;

class PkiConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pki-config-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  Result<Inventory> Load(const std::string& extra) {
    std::ofstream(dir_ / "inv.yaml")
        << "fabric: f\nclient: {cert: c.pem, key: k.pem}\ntrust_bundle: t.pem\n"
        << extra << "devices:\n  - {name: d1, address: 127.0.0.1:1}\n";
    return LoadInventory(dir_ / "inv.yaml");
  }
  std::string Error(const std::string& extra) {
    auto inv = Load(extra);
    return inv.ok() ? "" : inv.status().message();
  }
  fs::path dir_;
};

TEST_F(PkiConfigTest, Defaults) {
  auto inv = Load("");
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(inv->pki.signer.type, "file");
  EXPECT_EQ(inv->pki.secrets.kek_file, dir_ / "rotctl-state" / "secrets.kek");
  EXPECT_EQ(inv->pki.secrets.keep_older, 2);
  EXPECT_EQ(inv->pki.secrets.kek, "file");
  EXPECT_EQ(inv->pki.archive.keep_versions, 10);
}

TEST_F(PkiConfigTest, SecretsKekInAToken) {
  auto inv = Load(
      "secrets: {kek: pkcs11, module: /usr/lib/softhsm/libsofthsm2.so, token_label: t, "
      "pin_file: pin}\n");
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(inv->pki.secrets.kek, "pkcs11");
  EXPECT_EQ(inv->pki.secrets.key_label, "rotctl-secrets-kek");
  EXPECT_EQ(inv->pki.secrets.pin_file, dir_ / "pin");
  // The file KEK keeps its default: it opens versions sealed before the move to the token.
  EXPECT_EQ(inv->pki.secrets.kek_file, dir_ / "rotctl-state" / "secrets.kek");
  inv = Load("secrets: {kek: pkcs11, module: m.so, token_label: t, key_label: k, pin_env: P}\n");
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(inv->pki.secrets.key_label, "k");
  EXPECT_EQ(inv->pki.secrets.pin_env, "P");

  EXPECT_NE(Error("secrets: {kek: vault}\n").find("secrets.kek: must be file or pkcs11"),
            std::string::npos);
  EXPECT_NE(Error("secrets: {kek: pkcs11, token_label: t, pin_env: P}\n").find("secrets.module"),
            std::string::npos);
  EXPECT_NE(Error("secrets: {kek: pkcs11, module: m.so, pin_env: P}\n").find("secrets.token_label"),
            std::string::npos);
  EXPECT_NE(Error("secrets: {kek: pkcs11, module: m.so, token_label: t}\n")
                .find("exactly one of pin_file and pin_env"),
            std::string::npos);
  EXPECT_NE(Error("secrets: {kek: pkcs11, module: m.so, token_label: t, pin_file: p, "
                  "pin_env: P}\n")
                .find("exactly one of pin_file and pin_env"),
            std::string::npos);
  EXPECT_NE(Error("secrets: {kek: pkcs11, module: m.so, token_label: t, key_label: '', "
                  "pin_env: P}\n")
                .find("secrets.key_label: must not be empty"),
            std::string::npos);
  EXPECT_NE(
      Error("secrets: {module: m.so}\n").find("secrets.module: only applies to secrets.kek pkcs11"),
      std::string::npos);
}

TEST_F(PkiConfigTest, SignersAndRelativePaths) {
  auto inv = Load(
      "signer: {type: pkcs11, module: /usr/lib/softhsm/libsofthsm2.so, token_label: t, "
      "pin_file: pin}\nsecrets: {kek_file: keys/kek, keep_older: 0}\n");
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(inv->pki.signer.key_label, "rotctl-ca");
  EXPECT_EQ(inv->pki.signer.pin_file, dir_ / "pin");
  EXPECT_EQ(inv->pki.secrets.kek_file, dir_ / "keys" / "kek");
  inv = Load("signer: {type: command, command: [/usr/bin/sign, --x], roots: r.pem}\n");
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(inv->pki.signer.command, (std::vector<std::string>{"/usr/bin/sign", "--x"}));
  EXPECT_EQ(inv->pki.signer.roots, dir_ / "r.pem");
  EXPECT_EQ(inv->pki.signer.timeout_seconds, 30);
}

TEST_F(PkiConfigTest, EachBadValueIsNamed) {
  EXPECT_NE(Error("signer: {type: vault}\n").find("signer.type: must be file, pkcs11 or command"),
            std::string::npos);
  EXPECT_NE(Error("signer: {type: pkcs11, module: m.so, token_label: t}\n")
                .find("exactly one of pin_file and pin_env"),
            std::string::npos);
  EXPECT_NE(Error("signer: {type: pkcs11, module: m.so, token_label: t, pin_file: p, "
                  "pin_env: P}\n")
                .find("exactly one of pin_file and pin_env"),
            std::string::npos);
  EXPECT_NE(Error("signer: {type: command, command: [sign], roots: r.pem}\n")
                .find("signer.command: expected a list whose first element is an absolute"),
            std::string::npos);
  EXPECT_NE(Error("signer: {type: command, command: [/bin/sign]}\n").find("signer.roots"),
            std::string::npos);
  EXPECT_NE(Error("signer: {type: command, command: [/bin/s], roots: r, timeout_seconds: 90}\n")
                .find("signer.timeout_seconds"),
            std::string::npos);
  EXPECT_NE(Error("signer: {module: m.so}\n")
                .find("signer.module: only applies to signer type "
                      "pkcs11"),
            std::string::npos);
  EXPECT_NE(Error("secrets: {keep_older: -1}\n").find("secrets.keep_older"), std::string::npos);
  EXPECT_NE(Error("archive: {keep: 3}\n").find("keep"), std::string::npos);
  EXPECT_NE(Error("archive: {keep_versions: 0}\n").find("archive.keep_versions"),
            std::string::npos);
}

}  // namespace
}  // namespace rotagent::ctl
