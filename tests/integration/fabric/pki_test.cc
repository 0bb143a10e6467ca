// rotctl's PKI against a fabric of real agents over real TLS: a rotation with each signer (the
// file lab CA, a SoftHSM2 token whose CA key is shown never to leave it, an external CA run as a
// command), the archive of every issued leaf, and the sealed secret store with its purge.
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>

#include <algorithm>

#include "tests/integration/fabric/pki_fabric.h"
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
    fs::create_directories(dir_ / "tokens");
    std::ofstream(dir_ / "softhsm2.conf") << "directories.tokendir = " << (dir_ / "tokens").string()
                                          << "\nobjectstore.backend = file\nlog.level = ERROR\n";
    setenv("SOFTHSM2_CONF", (dir_ / "softhsm2.conf").c_str(), 1);
    std::string out;
    // Test PINs of a throw-away token: softhsm2-util only takes them on its command line.
    ASSERT_EQ(RunCommand({"softhsm2-util", "--init-token", "--free", "--label", "rotctl",
                          "--so-pin", "5678", "--pin", kPin},
                         "", &out),
              0)
        << out;
    std::ofstream(dir_ / "pin") << kPin << "\n";
    chmod((dir_ / "pin").c_str(), 0600);
  }
  void TearDown() override {
    unsetenv("SOFTHSM2_CONF");
    unsetenv("ROTCTL_TEST_PIN");
    PkiTest::TearDown();
  }
  static std::string Signer(const std::string& pin_source) {
    return std::string("signer: {type: pkcs11, module: ") + kModule +
           ", token_label: rotctl, key_label: fabric-ca, " + pin_source + "}\n";
  }
  static constexpr const char* kModule = "/usr/lib/softhsm/libsofthsm2.so";
  static constexpr const char* kPin = "4321";
};

// What the token says about the private key labelled fabric-ca, asked over PKCS#11 directly.
struct KeyFacts {
  int keys = 0;
  bool sensitive = false, extractable = true, never_extractable = false;
  CK_RV value_rv = CKR_OK;  // asking for CKA_VALUE
};

KeyFacts AskToken(const char* module, const std::string& pin) {
  KeyFacts facts;
  void* lib = dlopen(module, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return facts;
  auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
  CK_FUNCTION_LIST_PTR f = nullptr;
  get(&f);
  f->C_Initialize(nullptr);
  CK_SLOT_ID slots[8];
  CK_ULONG n = 8;
  f->C_GetSlotList(CK_TRUE, slots, &n);
  for (CK_ULONG i = 0; i < n; ++i) {
    CK_TOKEN_INFO info;
    f->C_GetTokenInfo(slots[i], &info);
    if (std::string(reinterpret_cast<char*>(info.label), 6) != "rotctl") continue;
    CK_SESSION_HANDLE s;
    f->C_OpenSession(slots[i], CKF_SERIAL_SESSION, nullptr, nullptr, &s);
    std::string p = pin;
    f->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size());
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    char label[] = "fabric-ca";
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, label, sizeof label - 1}};
    f->C_FindObjectsInit(s, tmpl, 2);
    CK_OBJECT_HANDLE keys[4];
    CK_ULONG found = 0;
    f->C_FindObjects(s, keys, 4, &found);
    f->C_FindObjectsFinal(s);
    facts.keys = static_cast<int>(found);
    if (found == 1) {
      CK_BBOOL sens = CK_FALSE, ext = CK_TRUE, never = CK_FALSE;
      CK_ATTRIBUTE a[] = {{CKA_SENSITIVE, &sens, sizeof sens},
                          {CKA_EXTRACTABLE, &ext, sizeof ext},
                          {CKA_NEVER_EXTRACTABLE, &never, sizeof never}};
      f->C_GetAttributeValue(s, keys[0], a, 3);
      facts.sensitive = sens == CK_TRUE;
      facts.extractable = ext == CK_TRUE;
      facts.never_extractable = never == CK_TRUE;
      CK_BYTE value[256];
      CK_ATTRIBUTE v{CKA_VALUE, value, sizeof value};
      facts.value_rv = f->C_GetAttributeValue(s, keys[0], &v, 1);
    }
    f->C_CloseSession(s);
  }
  f->C_Finalize(nullptr);
  dlclose(lib);
  return facts;
}

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
  const KeyFacts facts = AskToken(kModule, kPin);
  EXPECT_EQ(facts.keys, 1);
  EXPECT_TRUE(facts.sensitive);
  EXPECT_FALSE(facts.extractable);
  EXPECT_TRUE(facts.never_extractable);
  EXPECT_EQ(facts.value_rv, static_cast<CK_RV>(CKR_ATTRIBUTE_SENSITIVE));
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
