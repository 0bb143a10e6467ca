// CA rotation in phases over a fabric of real agents: rotctl's own client identity is issued by
// its lab CA (so the rotation has to carry rotctl's access along), a device is down during
// phase 2, and at the end a client holding an old-CA certificate is refused by every device.
// Also: the rollback of a phase 3 left open by a down device, and a rotation whose CAs are keys
// in a PKCS#11 token (SoftHSM2).
#include "tests/integration/fabric/pki_fabric.h"
#include "tests/integration/fabric/token_facts.h"
#include "tests/support/certz_client.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

Identity ReadIdentity(const fs::path& cert, const fs::path& key) {
  Identity id;
  id.cert_pem = ReadText(cert);
  id.key_pem = ReadText(key);
  auto certs = x509::ParseCertificates(id.cert_pem, x509::Encoding::kPem, cert.string());
  auto k = x509::ParsePrivateKey(id.key_pem, x509::Encoding::kPem, key.string());
  if (!certs.ok() || certs->empty() || !k.ok()) throw std::runtime_error("bad " + cert.string());
  id.cert = std::move(certs->front());
  id.key = std::move(*k);
  return id;
}

class CaRotationTest : public PkiFabric {
 protected:
  // The lab CA first; rotctl's identity is issued by it and the agents admit it from the start.
  void SetUp() override {
    PkiFabric::SetUp();
    WriteInventory();
    std::string out;
    ASSERT_EQ(Rotctl({"ca", "init"}, &out), 0) << out;
    old_ca_ = ReadIdentity(dir_ / "rotctl-ca" / "ca-cert.pem", dir_ / "rotctl-ca" / "ca-key.pem");
    rotctl_ = MakeLeaf(old_ca_, "rotctl");
    std::ofstream(dir_ / "rotctl-cert.pem") << rotctl_.cert_pem;
    std::ofstream(dir_ / "rotctl-key.pem") << rotctl_.key_pem;
    AddAgent("leaf1", old_ca_.cert_pem);
    AddAgent("leaf2", old_ca_.cert_pem);
    WriteInventory();
    json op = RotctlJson({"fabric", "rotate-certs", "--wait"}, 0);
    ASSERT_EQ(Outcomes(op), kAllDone) << op.dump();
  }
  // rotctl's identity from the rotation, as the rotation state names it.
  Identity NewIdentity(const json& rotation) {
    const fs::path cert = rotation["clientCertificates"][0].get<std::string>();
    EXPECT_EQ(fs::status(cert.parent_path() / "client-key.pem").permissions(),
              fs::perms::owner_read | fs::perms::owner_write);
    return ReadIdentity(cert, cert.parent_path() / "client-key.pem");
  }
  std::string Chain(const std::string& device) {
    const json d = RotctlJson({"device", "show", device}, 0);
    for (const auto& c : d["certificateRotationStatus"]) {
      const auto& ref = c["certificateArchiveReference"];
      if (ref["certificateName"] == "gnsi" && c["certificateType"] != "TrustBundle") {
        return ref["certificateVersion"];
      }
    }
    return "";
  }

  const std::map<std::string, std::string> kAllDone = {
      {"leaf1", "Succeeded"}, {"leaf2", "Succeeded"}, {"parked", "Skipped"}};
  Identity old_ca_;
};

TEST_F(CaRotationTest, PhasesWaitForADownDeviceAndRotctlKeepsAccess) {
  std::string out;
  // Phase 1: the new CA joins every bundle; rotctl's new identity is admitted, the old still is.
  json run = RotctlJson({"ca", "rotate", "start"}, 0);
  json rotation = run["rotation"];
  EXPECT_EQ(rotation["phase"], 1) << run.dump();
  EXPECT_EQ(Outcomes(run["operation"]), kAllDone) << run.dump();
  EXPECT_EQ(run["operation"]["kind"], "CaRotation");
  const Identity fresh = NewIdentity(rotation);
  EXPECT_EQ(x509::IssuerText(fresh.cert.get()),
            "CN=lab lab CA " + rotation["id"].get<std::string>());
  for (const char* d : {"leaf1", "leaf2"}) {
    EXPECT_TRUE(CanConnect(Get(d).port, old_ca_.cert_pem, fresh)) << d;
    EXPECT_TRUE(CanConnect(Get(d).port, old_ca_.cert_pem, rotctl_)) << d;
  }
  // The step is a normal operation with its record.
  json op = RotctlJson({"operation", "show", run["operation"]["id"].get<std::string>()}, 0);
  EXPECT_EQ(op["caRotationStep"], "add-trust");
  // Certificates are issued by the rotation's phases only while it is open.
  EXPECT_EQ(Rotctl({"fabric", "rotate-certs", "--wait"}, &out), 4) << out;
  EXPECT_NE(out.find("CA rotation " + rotation["id"].get<std::string>() + " is open"),
            std::string::npos)
      << out;

  // Phase 2 with leaf2 down: leaf1 gets a leaf from the new CA, leaf2 waits.
  Get("leaf2").process->Stop();
  run = RotctlJson({"ca", "rotate", "advance"}, 3);
  EXPECT_EQ(run["rotation"]["phase"], 2);
  EXPECT_EQ(Outcomes(run["operation"]),
            (std::map<std::string, std::string>{
                {"leaf1", "Succeeded"}, {"leaf2", "Skipped"}, {"parked", "Skipped"}}))
      << run.dump();
  EXPECT_EQ(Chain("leaf1"), "v2");
  // Phase 3 is refused, naming leaf2, while it is down and after it returns until it holds v2.
  EXPECT_EQ(Rotctl({"ca", "rotate", "advance"}, &out), 4) << out;
  EXPECT_NE(out.find("phase 3 refused"), std::string::npos) << out;
  EXPECT_NE(out.find("has not converged on leaf2"), std::string::npos) << out;
  Get("leaf2").process->Start();
  EXPECT_EQ(Rotctl({"ca", "rotate", "advance"}, &out), 4) << out;
  EXPECT_NE(out.find("leaf2: profiles/gnsi/chain holds 'v1'"), std::string::npos) << out;
  json status = RotctlJson({"ca", "rotate", "status"}, 3);
  EXPECT_EQ(status["pendingDevices"].size(), 1u) << status.dump();
  EXPECT_TRUE(status["pendingDevices"].contains("leaf2")) << status.dump();
  // Resumed: only leaf2, under a resync label of the same intent.
  run = RotctlJson({"ca", "rotate", "resume"}, 0);
  EXPECT_EQ(Outcomes(run["operation"]),
            (std::map<std::string, std::string>{
                {"leaf1", "Skipped"}, {"leaf2", "Succeeded"}, {"parked", "Skipped"}}))
      << run.dump();
  EXPECT_EQ(run["operation"]["certificateVersion"], "v2-r1");
  EXPECT_EQ(Chain("leaf2"), "v2-r1");

  // Phase 3: the old CA leaves every bundle; the new CA is promoted.
  run = RotctlJson({"ca", "rotate", "advance"}, 0);
  EXPECT_EQ(Outcomes(run["operation"]), kAllDone) << run.dump();
  EXPECT_EQ(run["rotation"]["state"], "done");
  const std::string new_ca_pem = ReadText(dir_ / "rotctl-ca" / "ca-cert.pem");
  EXPECT_EQ(Fingerprint(new_ca_pem).empty(), false);
  EXPECT_EQ(RotctlJson({"ca", "show"}, 0)["sha256Fingerprint"],
            run["rotation"]["newCaFingerprint"]);
  EXPECT_TRUE(fs::exists(dir_ / "rotctl-ca" / "retired" / rotation["id"].get<std::string>() /
                         "ca-key.pem"));
  for (const char* d : {"leaf1", "leaf2"}) {
    EXPECT_FALSE(CanConnect(Get(d).port, new_ca_pem, rotctl_)) << d << ": old-CA client admitted";
    EXPECT_TRUE(CanConnect(Get(d).port, new_ca_pem, fresh)) << d;
  }
  // rotctl still reaches every device, with its new identity, and the fabric is in sync.
  json show = RotctlJson({"fabric", "show"}, 0);
  EXPECT_EQ(show["inSyncDeviceIds"], json::array({"leaf1", "leaf2"})) << show.dump();
  // The next rotation is signed by the promoted CA.
  op = RotctlJson({"fabric", "rotate-certs", "--wait"}, 0);
  EXPECT_EQ(Outcomes(op), kAllDone) << op.dump();

  // The archive lists every leaf issued: v1 (old CA), v2 / v2-r1 and v3 (new CA), and rotctl's.
  std::set<std::string> refs;
  for (const auto& e : RotctlJson({"archive", "list"}, 0)) {
    const std::string ref = e["reference"];
    refs.insert(ref);
    const bool old = e["version"] == "v1";
    EXPECT_EQ(e["issuer"],
              old ? "CN=lab lab CA" : "CN=lab lab CA " + rotation["id"].get<std::string>())
        << ref;
  }
  std::set<std::string> want = {"rotctl/client-identity/" + rotation["id"].get<std::string>()};
  for (const char* p : {"gnsi", "syslog-client"}) {
    for (const char* v : {"v1", "v2", "v3"}) want.insert(std::string("leaf1/") + p + "/" + v);
    for (const char* v : {"v1", "v2-r1", "v3"}) want.insert(std::string("leaf2/") + p + "/" + v);
  }
  EXPECT_EQ(refs, want);
}

TEST_F(CaRotationTest, RollbackUndoesEachPhase) {
  std::string out;
  json run = RotctlJson({"ca", "rotate", "start"}, 0);
  const std::string id = run["rotation"]["id"];
  const Identity fresh = NewIdentity(run["rotation"]);
  run = RotctlJson({"ca", "rotate", "advance"}, 0);
  EXPECT_EQ(Chain("leaf1"), "v2");
  // Rollback of phase 2: every leaf from the old CA again, under a new version.
  run = RotctlJson({"ca", "rotate", "rollback"}, 0);
  EXPECT_EQ(run["rotation"]["step"], "reissue-old") << run.dump();
  EXPECT_EQ(run["rotation"]["phase"], 1);
  EXPECT_EQ(Chain("leaf2"), "v3");
  json entry = RotctlJson({"archive", "show", "leaf2", "gnsi", "v3"}, 0);
  EXPECT_EQ(entry[0]["issuer"], "CN=lab lab CA");
  // Rollback of phase 1: the new CA leaves the bundles and is set aside; rotctl is back on its
  // first identity, the new one refused.
  run = RotctlJson({"ca", "rotate", "rollback"}, 0);
  EXPECT_EQ(run["rotation"]["state"], "abandoned") << run.dump();
  EXPECT_TRUE(fs::exists(dir_ / "rotctl-ca" / "abandoned" / id / "ca-key.pem"));
  EXPECT_FALSE(fs::exists(dir_ / "rotctl-ca" / "next"));
  for (const char* d : {"leaf1", "leaf2"}) {
    EXPECT_FALSE(CanConnect(Get(d).port, old_ca_.cert_pem, fresh)) << d;
    EXPECT_TRUE(CanConnect(Get(d).port, old_ca_.cert_pem, rotctl_)) << d;
  }
  EXPECT_EQ(Rotctl({"ca", "rotate", "rollback"}, &out), 4) << out;
  EXPECT_NE(out.find("no CA rotation is open"), std::string::npos) << out;
  // The old CA still signs, and certificate rotations are allowed again.
  json op = RotctlJson({"fabric", "rotate-certs", "--wait"}, 0);
  EXPECT_EQ(Outcomes(op), kAllDone) << op.dump();
  EXPECT_EQ(RotctlJson({"archive", "show", "leaf1", "gnsi", "v4"}, 0)[0]["issuer"],
            "CN=lab lab CA");
}

// Phase 3 reached leaf1 only (leaf2 was down), so the rotation stays open at phase 3; its
// rollback puts the old CA back in every bundle: clients of the old CA are admitted again,
// the devices keep serving their phase-2 leaves, rotctl keeps access, nothing was promoted,
// and the rotation can still go forward.
TEST_F(CaRotationTest, RollbackOfPhase3PutsTheOldCaBack) {
  json run = RotctlJson({"ca", "rotate", "start"}, 0);
  const std::string id = run["rotation"]["id"];
  const Identity fresh = NewIdentity(run["rotation"]);
  run = RotctlJson({"ca", "rotate", "advance"}, 0);
  ASSERT_EQ(run["rotation"]["phase"], 2) << run.dump();
  const std::string new_ca_pem = ReadText(dir_ / "rotctl-ca" / "next" / "ca-cert.pem");
  const json old_ca = RotctlJson({"ca", "show"}, 0);

  Get("leaf2").process->Stop();
  run = RotctlJson({"ca", "rotate", "advance"}, 3);
  EXPECT_EQ(run["rotation"]["phase"], 3) << run.dump();
  EXPECT_EQ(run["rotation"]["state"], "open");
  EXPECT_EQ(Outcomes(run["operation"]),
            (std::map<std::string, std::string>{
                {"leaf1", "Succeeded"}, {"leaf2", "Skipped"}, {"parked", "Skipped"}}))
      << run.dump();
  // leaf1 already refuses the old CA's clients; the new CA is not promoted while leaf2 waits.
  EXPECT_FALSE(CanConnect(Get("leaf1").port, new_ca_pem, rotctl_));
  EXPECT_TRUE(fs::exists(dir_ / "rotctl-ca" / "next" / "ca-cert.pem"));
  Get("leaf2").process->Start();

  run = RotctlJson({"ca", "rotate", "rollback"}, 0);
  EXPECT_EQ(run["rotation"]["step"], "readd-trust") << run.dump();
  EXPECT_EQ(run["rotation"]["phase"], 2);
  EXPECT_EQ(run["rotation"]["state"], "open");
  EXPECT_EQ(Outcomes(run["operation"]), kAllDone) << run.dump();
  for (const char* d : {"leaf1", "leaf2"}) {
    // Both CAs admitted again; the devices still serve their leaves from the new CA.
    EXPECT_TRUE(CanConnect(Get(d).port, new_ca_pem, rotctl_)) << d << ": old-CA client refused";
    EXPECT_TRUE(CanConnect(Get(d).port, new_ca_pem, fresh)) << d;
    EXPECT_EQ(Chain(d), "v2") << d;
  }
  // rotctl reaches every device and finds nothing pending; the old CA still signs from ca_dir.
  json status = RotctlJson({"ca", "rotate", "status"}, 0);
  EXPECT_TRUE(status["pendingDevices"].empty()) << status.dump();
  json show = RotctlJson({"fabric", "show"}, 0);
  EXPECT_EQ(show["inSyncDeviceIds"], json::array({"leaf1", "leaf2"})) << show.dump();
  EXPECT_EQ(RotctlJson({"ca", "show"}, 0)["sha256Fingerprint"], old_ca["sha256Fingerprint"]);
  EXPECT_FALSE(fs::exists(dir_ / "rotctl-ca" / "retired" / id));

  // Forward again: phase 3 everywhere this time, and the old CA's clients are refused.
  run = RotctlJson({"ca", "rotate", "advance"}, 0);
  EXPECT_EQ(run["rotation"]["state"], "done") << run.dump();
  for (const char* d : {"leaf1", "leaf2"}) {
    EXPECT_FALSE(CanConnect(Get(d).port, new_ca_pem, rotctl_)) << d;
    EXPECT_TRUE(CanConnect(Get(d).port, new_ca_pem, fresh)) << d;
  }
  // A finished rotation has nothing to roll back.
  std::string out;
  EXPECT_EQ(Rotctl({"ca", "rotate", "rollback"}, &out), 4) << out;
  EXPECT_NE(out.find("no CA rotation is open"), std::string::npos) << out;
}

// The pkcs11 signer: the old CA and the rotation's new CA are both keys in the token.
class TokenCaRotationTest : public PkiFabric {
 protected:
  void SetUp() override {
    PkiFabric::SetUp();
    InitSoftHsm();
  }
  void TearDown() override {
    unsetenv("SOFTHSM2_CONF");
    PkiFabric::TearDown();
  }
  const std::map<std::string, std::string> kAllDone = {
      {"leaf1", "Succeeded"}, {"leaf2", "Succeeded"}, {"parked", "Skipped"}};
};

TEST_F(TokenCaRotationTest, NewCaKeyIsMadeInTheTokenAndSignsEveryLeaf) {
  AddAgent("leaf1");
  AddAgent("leaf2");
  WriteInventory(TokenSigner("pin_file: pin"));
  std::string out;
  ASSERT_EQ(Rotctl({"ca", "init"}, &out), 0) << out;
  json op = RotctlJson({"fabric", "rotate-certs", "--wait"}, 0);
  ASSERT_EQ(Outcomes(op), kAllDone) << op.dump();
  const std::string old_ca_pem = ReadText(dir_ / "rotctl-ca" / "ca-cert.pem");

  // Phase 1: the new CA's key is generated in the token, sensitive and never extractable;
  // ca_dir/next holds its certificate and its label, no key.
  json run = RotctlJson({"ca", "rotate", "start"}, 0);
  EXPECT_EQ(Outcomes(run["operation"]), kAllDone) << run.dump();
  const std::string id = run["rotation"]["id"];
  const std::string label = "fabric-ca-" + id;
  const KeyFacts facts = AskToken(kModule, kPin, CKO_PRIVATE_KEY, label);
  ExpectKeptInToken(facts);
  const fs::path next = dir_ / "rotctl-ca" / "next";
  EXPECT_EQ(ReadText(next / "key-label"), label + "\n");
  EXPECT_FALSE(fs::exists(next / "ca-key.pem"));
  const std::string new_ca_pem = ReadText(next / "ca-cert.pem");
  // rotctl's new identity is signed by the token's new key, and admitted.
  const fs::path cert = run["rotation"]["clientCertificates"][0].get<std::string>();
  const Identity fresh = ReadIdentity(cert, cert.parent_path() / "client-key.pem");
  EXPECT_EQ(x509::IssuerText(fresh.cert.get()), "CN=lab lab CA " + id);
  for (const char* d : {"leaf1", "leaf2"}) {
    EXPECT_TRUE(CanConnect(Get(d).port, old_ca_pem, fresh)) << d;
  }

  // Phase 2: every leaf signed in the token by the new key; the devices serve them.
  run = RotctlJson({"ca", "rotate", "advance"}, 0);
  EXPECT_EQ(run["rotation"]["phase"], 2) << run.dump();
  EXPECT_EQ(Outcomes(run["operation"]), kAllDone) << run.dump();
  for (const char* d : {"leaf1", "leaf2"}) {
    for (const char* p : {"gnsi", "syslog-client"}) {
      json entry = RotctlJson({"archive", "show", d, p, "v2"}, 0);
      EXPECT_EQ(entry[0]["issuer"], "CN=lab lab CA " + id) << d << " " << p;
    }
    EXPECT_TRUE(CanConnect(Get(d).port, new_ca_pem, fresh)) << d;
    EXPECT_FALSE(CanConnect(Get(d).port, old_ca_pem, fresh)) << d << " still serves an old leaf";
  }

  // Phase 3: the new CA is promoted; ca_dir names its token key, the old one is retired by
  // label, and the next rotation is signed by the new key.
  run = RotctlJson({"ca", "rotate", "advance"}, 0);
  EXPECT_EQ(run["rotation"]["state"], "done") << run.dump();
  EXPECT_EQ(ReadText(dir_ / "rotctl-ca" / "key-label"), label + "\n");
  EXPECT_EQ(ReadText(dir_ / "rotctl-ca" / "retired" / id / "key-label"), "fabric-ca\n");
  EXPECT_EQ(RotctlJson({"ca", "show"}, 0)["subject"], "CN=lab lab CA " + id);
  op = RotctlJson({"fabric", "rotate-certs", "--wait"}, 0);
  EXPECT_EQ(Outcomes(op), kAllDone) << op.dump();
  EXPECT_EQ(RotctlJson({"archive", "show", "leaf1", "gnsi", "v3"}, 0)[0]["issuer"],
            "CN=lab lab CA " + id);
  json show = RotctlJson({"fabric", "show"}, 0);
  EXPECT_EQ(show["inSyncDeviceIds"], json::array({"leaf1", "leaf2"})) << show.dump();
}

}  // namespace
}  // namespace rotagent::testing
