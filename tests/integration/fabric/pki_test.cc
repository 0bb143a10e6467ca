// rotctl's PKI against a fabric of real agents over real TLS: a rotation with each signer (the
// file lab CA, a SoftHSM2 token whose CA key is shown never to leave it, an external CA run as a
// command), the archive of every issued leaf, and the sealed secret store with its purge.
#include <algorithm>

#include "ctl/secret_store.h"
#include "tests/integration/fabric/pki_fabric.h"
#include "tests/integration/fabric/token_facts.h"
#include "tests/support/certz_client.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const std::map<std::string, std::string> kAllSucceeded = {
    {"leaf1", "Succeeded"}, {"leaf2", "Succeeded"}, {"parked", "Skipped"}};

class PkiTest : public PkiFabric {
 protected:
  // Both agents' both profiles are archived at `version`, issued by `op`, and the archive's
  // server leaf is the one a new connection is served.
  void ExpectArchived(const std::string& version, const std::string& op) {
    json list = RotctlJson({"archive", "list"}, 0);
    std::set<std::string> refs;
    for (const auto& e : list) {
      if (e["version"] != version) continue;
      refs.insert(e["reference"].get<std::string>());
      EXPECT_EQ(e["operation"], op) << e.dump();
      EXPECT_FALSE(e["serial"].get<std::string>().empty());
      EXPECT_LT(e["notBeforeEpoch"].get<int64_t>(), e["notAfterEpoch"].get<int64_t>());
    }
    EXPECT_EQ(refs,
              (std::set<std::string>{"leaf1/gnsi/" + version, "leaf1/syslog-client/" + version,
                                     "leaf2/gnsi/" + version, "leaf2/syslog-client/" + version}))
        << list.dump();
    json shown = RotctlJson({"archive", "show", "leaf1", "gnsi", version}, 0);
    ASSERT_EQ(shown.size(), 1u) << shown.dump();
    EXPECT_EQ(shown[0]["chain"].get<std::string>().find("PRIVATE KEY"), std::string::npos);
    // The device status points at the archive entry.
    json dev = RotctlJson({"device", "show", "leaf1"}, 0);
    bool referenced = false;
    for (const auto& c : dev["certificateRotationStatus"]) {
      const auto& ref = c["certificateArchiveReference"];
      if (ref["certificateName"] == "gnsi" && ref.contains("archiveEntry")) {
        EXPECT_EQ(ref["archiveEntry"], "leaf1/gnsi/" + version);
        EXPECT_EQ(ref["sha256Fingerprint"], shown[0]["sha256Fingerprint"]);
        referenced = true;
      }
    }
    EXPECT_TRUE(referenced) << dev.dump();
  }
};

TEST_F(PkiTest, FileSignerRotatesAndArchivesEveryLeaf) {
  AddAgent("leaf1");
  AddAgent("leaf2");
  WriteInventory("archive: {keep_versions: 1}\n");
  std::string out;
  ASSERT_EQ(Rotctl({"ca", "init"}, &out), 0) << out;
  json op = RotctlJson({"fabric", "rotate-certs", "--wait"}, 0);
  EXPECT_EQ(Outcomes(op), kAllSucceeded);
  ExpectArchived("v1", op["id"]);
  // Retention: with keep_versions 1 the next rotation's entries replace these.
  op = RotctlJson({"fabric", "rotate-certs", "--wait"}, 0);
  ExpectArchived("v2", op["id"]);
  EXPECT_EQ(RotctlJson({"archive", "list"}, 0).size(), 4u);
  EXPECT_EQ(Rotctl({"archive", "show", "leaf1", "gnsi", "v1"}, &out), 2) << out;
  EXPECT_NE(out.find("no certificate leaf1/gnsi/v1"), std::string::npos) << out;
}

TEST_F(PkiTest, CommandSignerRotatesThroughAnExternalCa) {
  AddAgent("leaf1");
  AddAgent("leaf2");
  const Identity ext = WriteExternalCa("corporate CA");
  WriteExecutable(dir_ / "sign.sh", SignerScript());
  WriteInventory(CommandSigner(dir_ / "sign.sh"));
  std::string out;
  // The external CA is not rotctl's to create.
  EXPECT_EQ(Rotctl({"ca", "init"}, &out), 4) << out;
  EXPECT_NE(out.find("external"), std::string::npos) << out;
  json op = RotctlJson({"fabric", "rotate-certs", "--wait"}, 0);
  EXPECT_EQ(Outcomes(op), kAllSucceeded) << op.dump();
  ExpectArchived("v1", op["id"]);
  json entry = RotctlJson({"archive", "show", "leaf2", "syslog-client", "v1"}, 0);
  EXPECT_EQ(entry[0]["issuer"], "CN=corporate CA");
  // rotctl verifies the devices' new certificates with the external roots: all in sync.
  json show = RotctlJson({"fabric", "show"}, 0);
  EXPECT_EQ(show["inSyncDeviceIds"], json::array({"leaf1", "leaf2"}));
  // A device presents the external CA's leaf on a brand-new connection.
  EXPECT_TRUE(CanConnect(Get("leaf1").port, ext.cert_pem, rotctl_));
}

// SoftHSM2: a token the test creates, the CA key generated inside it.
class Pkcs11Test : public PkiTest {
 protected:
  void SetUp() override {
    PkiTest::SetUp();
    InitSoftHsm();
  }
  void TearDown() override {
    unsetenv("SOFTHSM2_CONF");
    unsetenv("ROTCTL_TEST_PIN");
    PkiTest::TearDown();
  }
  static std::string Signer(const std::string& pin_source) { return TokenSigner(pin_source); }
  // The secret store sealed by an AES key in the token.
  static std::string TokenKek(const std::string& pin_source,
                              const std::string& key_label = "store-kek") {
    return std::string("secrets: {kek: pkcs11, module: ") + kModule +
           ", token_label: rotctl, key_label: " + key_label + ", " + pin_source + "}\n";
  }
  // Every file under `dir` and its content.
  static std::map<std::string, std::string> Snapshot(const fs::path& dir) {
    std::map<std::string, std::string> out;
    std::error_code ec;
    for (const auto& f : fs::recursive_directory_iterator(dir, ec)) {
      if (f.is_regular_file()) out[f.path().string()] = ReadText(f.path());
    }
    return out;
  }
  // Reveals `version` of Admin through rotctl into a new file and returns it.
  std::string Reveal(int version) {
    const fs::path file = dir_ / ("reveal-" + std::to_string(version));
    fs::remove(file);
    std::string out;
    EXPECT_EQ(Rotctl({"secrets", "show", "Admin", "--version", std::to_string(version), "--to",
                      file.string()},
                     &out),
              0)
        << out;
    std::string pw = ReadText(file);
    fs::remove(file);
    if (!pw.empty()) pw.pop_back();
    EXPECT_EQ(pw.size(), 24u) << out;
    return pw;
  }
  fs::path Secrets() const { return dir_ / "rotctl-state" / "secrets"; }
};

TEST_F(Pkcs11Test, TokenSignsAndTheCaKeyNeverLeavesIt) {
  AddAgent("leaf1");
  AddAgent("leaf2");
  WriteInventory(Signer("pin_file: pin"));
  std::string out;
  ASSERT_EQ(Rotctl({"ca", "init"}, &out), 0) << out;
  EXPECT_NE(out.find("pkcs11 token 'rotctl' key 'fabric-ca'"), std::string::npos) << out;
  // A second init never replaces the token's key.
  EXPECT_NE(Rotctl({"ca", "init"}, &out), 0);
  EXPECT_NE(out.find("never overwritten"), std::string::npos) << out;
  // The key is in the token, sensitive and never extractable; its value cannot be read out.
  const KeyFacts facts = AskToken(kModule, kPin, CKO_PRIVATE_KEY, "fabric-ca");
  ExpectKeptInToken(facts);
  // ca_dir holds the certificate only.
  for (const auto& f : fs::recursive_directory_iterator(dir_ / "rotctl-ca")) {
    EXPECT_EQ(ReadText(f.path()).find("PRIVATE KEY"), std::string::npos) << f.path();
  }

  // The PIN from the environment this time; the rotation is signed in the token.
  WriteInventory(Signer("pin_env: ROTCTL_TEST_PIN"));
  EXPECT_EQ(Rotctl({"fabric", "rotate-certs", "--wait"}, &out), 4) << out;
  EXPECT_NE(out.find("ROTCTL_TEST_PIN, which is not set"), std::string::npos) << out;
  setenv("ROTCTL_TEST_PIN", "0000", 1);
  EXPECT_EQ(Rotctl({"fabric", "rotate-certs", "--wait"}, &out), 1) << out;
  EXPECT_NE(out.find("PIN for PKCS#11 token 'rotctl' is wrong"), std::string::npos) << out;
  EXPECT_EQ(out.find("0000"), std::string::npos) << out;
  setenv("ROTCTL_TEST_PIN", kPin, 1);
  json op = RotctlJson({"fabric", "rotate-certs", "--wait"}, 0);
  EXPECT_EQ(Outcomes(op), kAllSucceeded) << op.dump();
  ExpectArchived("v1", op["id"]);
  json ca = RotctlJson({"ca", "show"}, 0);
  json entry = RotctlJson({"archive", "show", "leaf1", "gnsi", "v1"}, 0);
  EXPECT_EQ("CN=" + std::string("lab lab CA"), entry[0]["issuer"]);
  EXPECT_EQ(ca["subject"], entry[0]["issuer"]);
  json show = RotctlJson({"fabric", "show"}, 0);
  EXPECT_EQ(show["inSyncDeviceIds"], json::array({"leaf1", "leaf2"}));
}

TEST_F(Pkcs11Test, TokenSealsTheSecretStoreAndItsKeyNeverLeavesIt) {
  AddAgent("leaf1");
  AddAgent("leaf2");
  WriteInventory(TokenKek("pin_file: pin"), /*parked=*/false);
  std::string out;
  // No key in the token yet: refused, naming the label and the command that makes it; nothing
  // is generated, no file KEK is made instead.
  EXPECT_EQ(Rotctl({"fabric", "rotate-passwords", "--wait"}, &out), 4) << out;
  EXPECT_NE(out.find("no secret key labelled 'store-kek' in the token"), std::string::npos) << out;
  EXPECT_NE(out.find("rotctl secrets init-kek"), std::string::npos) << out;
  EXPECT_TRUE(Snapshot(Secrets()).empty());
  EXPECT_FALSE(fs::exists(dir_ / "rotctl-state" / "secrets.kek"));
  EXPECT_FALSE(fs::exists(dir_ / "rotctl-state" / "operations"));

  json init = RotctlJson({"secrets", "init-kek"}, 0);
  EXPECT_EQ(init["kek"], "pkcs11 token 'rotctl' key 'store-kek'") << init.dump();
  EXPECT_EQ(init["created"], true);
  // Again: the key is kept, never replaced.
  EXPECT_EQ(RotctlJson({"secrets", "init-kek"}, 0)["created"], false);
  // The key is an AES key in the token that it will not hand out: not as a value, not wrapped.
  const KeyFacts facts = AskToken(kModule, kPin, CKO_SECRET_KEY, "store-kek");
  ExpectKeptInToken(facts);
  EXPECT_EQ(facts.wrap_rv, static_cast<CK_RV>(CKR_KEY_UNEXTRACTABLE));

  // Two rotations sealed by the token; the devices are given hashes of what it opens.
  std::vector<std::string> passwords;
  for (int v = 1; v <= 2; ++v) {
    json op = RotctlJson({"fabric", "rotate-passwords", "--wait"}, 0);
    EXPECT_EQ(Outcomes(op),
              (std::map<std::string, std::string>{{"leaf1", "Succeeded"}, {"leaf2", "Succeeded"}}))
        << op.dump();
    ASSERT_EQ(op["passwordVersions"]["Admin"], v) << op.dump();
    passwords.push_back(Reveal(v));
    EXPECT_EQ(ReadText(Secrets() / "Admin" / std::to_string(v)).substr(0, 4), "RSS2");
  }
  EXPECT_NE(passwords[0], passwords[1]);
  EXPECT_FALSE(fs::exists(dir_ / "rotctl-state" / "secrets.kek"));
  // No password in any file of the state directory or of the token.
  for (const fs::path& d : {dir_ / "rotctl-state", dir_ / "tokens"}) {
    for (const auto& [path, text] : Snapshot(d)) {
      for (const auto& pw : passwords) EXPECT_EQ(text.find(pw), std::string::npos) << path;
    }
  }

  // A wrong PIN, a PIN variable that is not set, a key label the token does not hold: each
  // named, the PIN never echoed, and neither the store nor the operations change.
  const auto secrets_before = Snapshot(Secrets());
  const auto operations_before = Snapshot(dir_ / "rotctl-state" / "operations");
  std::ofstream(dir_ / "pin", std::ios::trunc) << "0000\n";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"fabric", "rotate-passwords", "--wait"},
           {"secrets", "show", "Admin", "--to", (dir_ / "shown").string()}}) {
    EXPECT_EQ(Rotctl(args, &out), 1) << out;
    EXPECT_NE(out.find("the PIN for PKCS#11 token 'rotctl' is wrong"), std::string::npos) << out;
    EXPECT_EQ(out.find("0000"), std::string::npos) << out;
  }
  EXPECT_FALSE(fs::exists(dir_ / "shown"));
  std::ofstream(dir_ / "pin", std::ios::trunc) << kPin << "\n";
  WriteInventory(TokenKek("pin_env: ROTCTL_TEST_PIN"), false);
  EXPECT_EQ(Rotctl({"fabric", "rotate-passwords", "--wait"}, &out), 4) << out;
  EXPECT_NE(out.find("secrets.pin_env names ROTCTL_TEST_PIN, which is not set"), std::string::npos)
      << out;
  WriteInventory(TokenKek("pin_file: pin", "no-such-kek"), false);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"fabric", "rotate-passwords", "--wait"},
           {"secrets", "show", "Admin", "--to", (dir_ / "shown").string()}}) {
    EXPECT_EQ(Rotctl(args, &out), 4) << out;
    EXPECT_NE(out.find("no secret key labelled 'no-such-kek' in the token"), std::string::npos)
        << out;
  }
  EXPECT_FALSE(fs::exists(dir_ / "shown"));
  // The store sealed by the token does not open with the default file KEK, and no file KEK is
  // made for it.
  WriteInventory("", false);
  EXPECT_EQ(Rotctl({"secrets", "show", "Admin", "--to", (dir_ / "shown").string()}, &out), 4)
      << out;
  EXPECT_NE(out.find("version 2 of Admin is sealed by a key-encryption key in a PKCS#11 token"),
            std::string::npos)
      << out;
  EXPECT_EQ(Snapshot(Secrets()), secrets_before);
  EXPECT_EQ(Snapshot(dir_ / "rotctl-state" / "operations"), operations_before);
  EXPECT_FALSE(fs::exists(dir_ / "rotctl-state" / "secrets.kek"));
  // And with the right settings everything still opens.
  WriteInventory(TokenKek("pin_file: pin"), false);
  EXPECT_EQ(Reveal(1), passwords[0]);
  EXPECT_EQ(Reveal(2), passwords[1]);
  // A version copied over another does not open: the token checks the associated data.
  fs::copy_file(Secrets() / "Admin" / "1", Secrets() / "Admin" / "2",
                fs::copy_options::overwrite_existing);
  EXPECT_EQ(Rotctl({"secrets", "show", "Admin", "--to", (dir_ / "shown").string()}, &out), 4)
      << out;
  EXPECT_NE(out.find("version 2 of Admin: a sealed secret does not open"), std::string::npos)
      << out;
  EXPECT_FALSE(fs::exists(dir_ / "shown"));
}

// A store sealed under the file KEK keeps opening when secrets.kek becomes pkcs11: init-kek
// seals every version under the token's key, a version sealed later by an older rotctl is moved
// on first read, and the file KEK is then no longer needed.
TEST_F(Pkcs11Test, FileSealedStoreMovesToTheToken) {
  const fs::path state = dir_ / "rotctl-state";
  ctl::SecretStore file_store(Secrets(), state / "secrets.kek");
  ASSERT_EQ(*file_store.AddGenerated("Admin"), 1);
  WriteInventory();  // only the parked device: no agent is needed
  const std::string v1 = Reveal(1);
  EXPECT_EQ(ReadText(Secrets() / "Admin" / "1").substr(0, 4), "RSS1");

  WriteInventory(TokenKek("pin_file: pin"));
  json init = RotctlJson({"secrets", "init-kek"}, 0);
  EXPECT_EQ(init["created"], true) << init.dump();
  EXPECT_EQ(init["resealedVersions"], 1) << init.dump();
  EXPECT_EQ(ReadText(Secrets() / "Admin" / "1").substr(0, 4), "RSS2");
  EXPECT_EQ(Reveal(1), v1);

  ASSERT_EQ(*file_store.AddGenerated("Admin"), 2);
  EXPECT_EQ(ReadText(Secrets() / "Admin" / "2").substr(0, 4), "RSS1");
  const std::string v2 = Reveal(2);
  EXPECT_EQ(ReadText(Secrets() / "Admin" / "2").substr(0, 4), "RSS2");
  EXPECT_NE(v1, v2);
  // Without the file KEK the whole store still opens through the token.
  fs::remove(state / "secrets.kek");
  EXPECT_EQ(Reveal(1), v1);
  EXPECT_EQ(Reveal(2), v2);
  EXPECT_EQ(RotctlJson({"secrets", "init-kek"}, 0)["resealedVersions"], 0);
}

TEST_F(PkiTest, SecretStoreHoldsNoPlaintextAndPurgesOnlyWhatNoDeviceHolds) {
  AddAgent("leaf1");
  AddAgent("leaf2");
  WriteInventory("secrets: {keep_older: 0}\n", /*parked=*/false);
  std::vector<std::string> passwords;
  std::string out;
  for (int v = 1; v <= 3; ++v) {
    json op = RotctlJson({"fabric", "rotate-passwords", "--wait"}, 0);
    ASSERT_EQ(op["passwordVersions"]["Admin"], v) << op.dump();
    // Revealed only to a new 0600 file; a pipe (not a terminal) is refused.
    const fs::path file = dir_ / ("reveal-" + std::to_string(v));
    EXPECT_EQ(Rotctl({"secrets", "show", "Admin"}, &out), 4) << out;
    EXPECT_NE(out.find("not a terminal"), std::string::npos) << out;
    ASSERT_EQ(Rotctl({"secrets", "show", "Admin", "--to", file.string()}, &out), 0) << out;
    EXPECT_EQ(fs::status(file).permissions(), fs::perms::owner_read | fs::perms::owner_write);
    std::string pw = ReadText(file);
    pw.pop_back();
    ASSERT_EQ(pw.size(), 24u);
    EXPECT_EQ(out.find(pw), std::string::npos);
    passwords.push_back(pw);
    fs::remove(file);
  }
  // An existing file is never overwritten.
  std::ofstream(dir_ / "taken") << "x";
  EXPECT_EQ(Rotctl({"secrets", "show", "Admin", "--to", (dir_ / "taken").string()}, &out), 4);
  // No generated password is anywhere under the state dir, in any file.
  auto scan = [&] {
    for (const auto& f : fs::recursive_directory_iterator(dir_ / "rotctl-state")) {
      if (!f.is_regular_file()) continue;
      const std::string text = ReadText(f.path());
      for (const auto& pw : passwords) {
        EXPECT_EQ(text.find(pw), std::string::npos) << f.path();
      }
    }
  };
  scan();
  // Every reveal was logged, without the value.
  const std::string reveals = ReadText(dir_ / "rotctl-state" / "secrets" / "reveals.log");
  EXPECT_EQ(std::count(reveals.begin(), reveals.end(), '\n'), 3) << reveals;

  // leaf2 is down: it may hold v3 (it does), and blocks the purge.
  Get("leaf2").process->Stop();
  EXPECT_EQ(Rotctl({"secrets", "purge"}, &out), 4) << out;
  EXPECT_NE(out.find("did not answer: leaf2"), std::string::npos) << out;
  Get("leaf2").process->Start();
  // Both on v3: v1 and v2 go; v3 stays.
  json purge = RotctlJson({"secrets", "purge"}, 0);
  EXPECT_EQ(purge[0]["purged"], json::array({1, 2})) << purge.dump();
  EXPECT_EQ(purge[0]["kept"], json::array({3}));
  EXPECT_EQ(Rotctl({"secrets", "show", "Admin", "--version", "1", "--to", (dir_ / "gone").string()},
                   &out),
            2)
      << out;
  EXPECT_NE(out.find("purged"), std::string::npos) << out;
  // A rotation that reaches only leaf1: leaf2 still holds v3, so v3 is kept.
  Get("leaf2").process->Stop();
  json op = RotctlJson({"fabric", "rotate-passwords", "--wait"}, 3);
  Get("leaf2").process->Start();
  purge = RotctlJson({"secrets", "purge"}, 0);
  EXPECT_EQ(purge[0]["purged"], json::array()) << purge.dump();
  EXPECT_EQ(purge[0]["kept"], json::array({3, 4}));
  EXPECT_EQ(purge[0]["heldBy"]["v3"], json::array({"leaf2"}));
  RotctlJson({"fabric", "resync-passwords", "--wait"}, 0);
  purge = RotctlJson({"secrets", "purge"}, 0);
  EXPECT_EQ(purge[0]["purged"], json::array({3})) << purge.dump();
  const std::string purges = ReadText(dir_ / "rotctl-state" / "secrets" / "purges.log");
  EXPECT_EQ(std::count(purges.begin(), purges.end(), '\n'), 3) << purges;
  scan();
}

}  // namespace
}  // namespace rotagent::testing
