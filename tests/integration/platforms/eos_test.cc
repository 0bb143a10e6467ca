// The real agent with platform kind eos against the eAPI emulator: certificate and password
// rotations go through configuration sessions under a commit timer, are confirmed on Finalize,
// aborted on a dropped stream, and rolled back by "EOS" itself when the agent dies first.
#include <crypt.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "platform/eos/eapi_client.h"
#include "platform/eos/running_config.h"
#include "tests/integration/platforms/platform_fixture.h"
#include "tests/support/emulator_process.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;
using platform::eos::EapiClient;
using platform::eos::ParseSslProfile;
using platform::eos::ParseUserSecret;
using HashType = cz::PasswordRequest::CryptoHash;

class EosTest : public PlatformTest {
 protected:
  void SetUp() override {
    PlatformTest::SetUp();
    emulator_ = std::make_unique<EmulatorProcess>(std::vector<std::string>{
        EAPI_EMULATOR_PATH, "--socket", Socket(), "--state", (dir_ / "eos").string()});
    platform::EosConfig c;
    c.socket = Socket();
    eapi_ = std::make_unique<EapiClient>(c);
    // The switch has user admin with a known secret, and no ssl profile yet.
    ASSERT_TRUE(eapi_
                    ->Run({"configure session setup",
                           "username admin secret sha512 " + Sha512("Initial+9z"), "commit"})
                    .ok());
  }
  std::string Socket() const { return (dir_ / "command-api.sock").string(); }
  void StartEosAgent(const std::map<std::string, std::string>& env = {}) {
    StartAgent(
        "  kind: eos\n  eos: {socket: " + Socket() + ", commit_timer: 3, login_proof: readback}\n",
        env);
  }
  std::optional<platform::eos::SslProfileConfig> Gnsi() const {
    return ParseSslProfile(*eapi_->Text("show running-config section management security"), "gnsi");
  }
  std::string AdminSecret() const {
    return ParseUserSecret(*eapi_->Text("show running-config section username"), "admin")
        .value_or("");
  }
  nlohmann::json Sessions() const { return (*eapi_->Run({"show configuration sessions"}))[0]; }
  bool InStore(const std::string& store, const std::string& name) const {
    return fs::exists(dir_ / "eos" / store / name);
  }
  std::string Violations() const { return ReadText(dir_ / "eos" / "violations"); }

  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<EapiClient> eapi_;
};

TEST_F(EosTest, CertificateGoesLiveUnderACommitTimerAndFinalizeConfirmsIt) {
  StartEosAgent();
  auto s = RotateGnsi(leaf1_, "v1", /*finalize=*/false);
  // Live before Finalize, with EOS holding the way back.
  auto gnsi = Gnsi();
  ASSERT_TRUE(gnsi.has_value());
  const std::string v1 = gnsi->certificate;
  EXPECT_EQ(v1.rfind("rotagent-gnsi-", 0), 0u) << v1;
  EXPECT_EQ(gnsi->trust.size(), 1u);
  EXPECT_TRUE(InStore("keys", gnsi->key));
  std::string pending;
  const nlohmann::json sessions = Sessions()["sessions"];
  for (const auto& [name, st] : sessions.items()) {
    if (st["state"] == "pendingCommitTimer") pending = name;
  }
  EXPECT_EQ(pending.rfind("rotagent-cert-gnsi-", 0), 0u) << sessions.dump();
  ASSERT_TRUE(s->Send(Finalize("gnsi")));
  ASSERT_TRUE(s->Finish().ok());
  EXPECT_EQ(Sessions()["sessions"][pending]["state"], "completed");
  EXPECT_NE(ReadText(dir_ / "eos" / "startup-config").find(v1), std::string::npos);

  // The next version replaces it, and the old files are deleted once it is confirmed.
  RotateGnsi(leaf2_, "v2", /*finalize=*/true);
  const auto after = Gnsi();
  EXPECT_NE(after->certificate, v1);
  EXPECT_FALSE(InStore("certs", v1));
  EXPECT_FALSE(InStore("keys", gnsi->key));
  EXPECT_TRUE(InStore("certs", after->certificate));
  EXPECT_EQ(Violations(), "");
}

TEST_F(EosTest, DroppedStreamAbortsTheSessionAndRemovesItsFiles) {
  StartEosAgent();
  RotateGnsi(leaf1_, "v1", true);
  const auto v1 = Gnsi();
  auto s = RotateGnsi(leaf2_, "v2", false);
  const auto v2 = Gnsi();
  ASSERT_NE(v2->certificate, v1->certificate);
  s.reset();  // dropped without Finalize
  auto stub = Certz();
  ASSERT_TRUE(WaitRotationIdle(*stub, "gnsi"));
  EXPECT_EQ(Gnsi(), v1);
  EXPECT_FALSE(InStore("certs", v2->certificate));
  EXPECT_FALSE(InStore("keys", v2->key));
  EXPECT_TRUE(InStore("certs", v1->certificate));
}

TEST_F(EosTest, AgentDeathBeforeFinalizeIsRolledBackByTheCommitTimer) {
  StartEosAgent();
  RotateGnsi(leaf1_, "v1", true);
  const auto v1 = Gnsi();
  agent_->Stop();
  StartEosAgent({{"ROTAGENT_FAILPOINT", "certz.platform_staged"}});
  {
    auto stub = Certz();
    RotateStream s(*stub);
    EXPECT_FALSE(
        s.Exchange(Upload("gnsi", {ChainEntity("v2", 1700000000, {leaf2_.cert_pem}, leaf2_.key_pem),
                                   TrustEntity("v2", 1700000000, {ca_.cert_pem})})));
  }
  agent_->WaitExit();
  ASSERT_NE(Gnsi(), v1);  // the agent died with v2 live under the timer
  // EOS, not the agent, puts v1 back when the 3 s timer runs out.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!fs::exists(dir_ / "eos" / "timer-rollbacks") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(Gnsi(), v1);
  // The agent comes back consistent with the box, and rotates again.
  agent_->Start();
  RotateGnsi(leaf2_, "v3", true);
  EXPECT_NE(Gnsi(), v1);
}

TEST_F(EosTest, PasswordsReachEapiOnlyAsSha512Secrets) {
  StartEosAgent();
  auto stub = Credentialz();
  const std::string before = AdminSecret();
  {
    auto s = OpenAccountStream(*stub);
    ASSERT_TRUE(s->Exchange(PlaintextPassword("admin", "Rotated+pass1", "p1")));
    const std::string staged = AdminSecret();
    EXPECT_EQ(staged.rfind("$6$", 0), 0u) << staged;
    crypt_data data{};
    EXPECT_EQ(std::string(crypt_r("Rotated+pass1", staged.c_str(), &data)), staged);
    ASSERT_TRUE(s->Send(FinalizeAccounts()));
    ASSERT_TRUE(s->Finish().ok());
  }
  const std::string committed = AdminSecret();
  EXPECT_NE(committed, before);
  // A dropped stream puts the committed secret back.
  {
    auto s = OpenAccountStream(*stub);
    ASSERT_TRUE(s->Exchange(HashedPassword("admin", HashType::HASH_TYPE_CRYPT_SHA_2_512,
                                           Sha512("Another+pass2"), "p2")));
    EXPECT_EQ(AdminSecret(), Sha512("Another+pass2"));
  }
  ASSERT_TRUE(WaitCredentialzIdle(*stub));
  EXPECT_EQ(AdminSecret(), committed);
  // EOS takes sha512 only: a yescrypt hash is refused before anything changes.
  crypt_data data{};
  const std::string yescrypt = crypt_r("x", "$y$j9T$abcdefghijklmnop$", &data);
  {
    auto s = OpenAccountStream(*stub);
    EXPECT_FALSE(
        s->Exchange(HashedPassword("admin", HashType::HASH_TYPE_UNSPECIFIED, yescrypt, "p3")));
    grpc::Status st = s->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(st.error_message().find("EOS takes only sha512-crypt"), std::string::npos)
        << st.error_message();
  }
  EXPECT_EQ(AdminSecret(), committed);
  EXPECT_EQ(Violations(), "");
  EXPECT_EQ(agent_->Log().find("Rotated+pass1"), std::string::npos);
}

TEST_F(EosTest, EapiFailuresAreNamedAndChangeNothing) {
  StartEosAgent();
  RotateGnsi(leaf1_, "v1", true);
  const auto v1 = Gnsi();
  std::ofstream(dir_ / "eos" / "fail") << "trust\n";  // the session fails midway
  {
    auto stub = Certz();
    RotateStream s(*stub);
    EXPECT_FALSE(
        s.Exchange(Upload("gnsi", {ChainEntity("v2", 1700000000, {leaf2_.cert_pem}, leaf2_.key_pem),
                                   TrustEntity("v2", 1700000000, {ca_.cert_pem})})));
    grpc::Status st = s.Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_NE(st.error_message().find("eAPI: command 'trust certificate"), std::string::npos)
        << st.error_message();
  }
  fs::remove(dir_ / "eos" / "fail");
  EXPECT_EQ(Gnsi(), v1);
  const nlohmann::json sessions = Sessions()["sessions"];
  for (const auto& [name, st] : sessions.items()) {
    EXPECT_NE(st["state"], "pendingCommitTimer") << name;
  }
  // What a switch refuses, the client reports precisely.
  auto bad = eapi_->Run({"frobnicate the switch"});
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("command 'frobnicate the switch': Invalid input"),
            std::string::npos)
      << bad.status().message();
  auto cleartext = eapi_->Run({"configure session x", "username admin secret hunter2"});
  EXPECT_EQ(cleartext.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(cleartext.status().message().find("hunter2"), std::string::npos);
  EXPECT_NE(Violations().find("cleartext secret for user admin"), std::string::npos);
}

TEST_F(EosTest, HttpsTransportAuthenticatesWithAPasswordFile) {
  std::ofstream(dir_ / "https-cert.pem") << bootstrap_.cert_pem;
  std::ofstream(dir_ / "https-key.pem") << bootstrap_.key_pem;
  std::ofstream(dir_ / "ca.pem") << ca_.cert_pem;
  std::ofstream(dir_ / "eapi-password") << "Eapi+secret1";
  EmulatorProcess https({EAPI_EMULATOR_PATH, "--socket", (dir_ / "https.sock").string(), "--state",
                         (dir_ / "eos-https").string(), "--https-cert",
                         (dir_ / "https-cert.pem").string(), "--https-key",
                         (dir_ / "https-key.pem").string(), "--https-password-file",
                         (dir_ / "eapi-password").string()});
  const std::string out = https.output();
  const std::string port = out.substr(out.find("https-port ") + 11, out.find('\n') - 11);
  platform::EosConfig c;
  c.https_address = "localhost:" + port;
  c.https_ca_file = (dir_ / "ca.pem").string();
  c.https_user = "admin";
  c.https_password_file = (dir_ / "eapi-password").string();
  auto version = EapiClient(c).Run({"show version"});
  ASSERT_TRUE(version.ok()) << version.status().message();
  EXPECT_EQ((*version)[0]["modelName"], "cEOS-emulated");
  std::ofstream(dir_ / "wrong-password") << "nope";
  c.https_password_file = (dir_ / "wrong-password").string();
  auto refused = EapiClient(c).Run({"show version"});
  EXPECT_EQ(refused.status().code(), Code::kPermissionDenied) << refused.status().message();
  c.https_ca_file = (dir_ / "https-cert.pem").string();  // not the issuer: verification fails
  EXPECT_EQ(EapiClient(c).Run({"show version"}).status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace rotagent::testing
