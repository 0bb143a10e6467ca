// The real agent with platform kind eos against the eAPI emulator, in both forms EOS reports a
// session waiting on its commit timer (4.31: state pendingCommitTimer; 4.32+: committed, named by
// top-level commitTimerSessionName). Changes go live in one configuration session per transaction
// under a commit timer, are confirmed on Finalize, aborted by name on a dropped stream or after a
// restart, refused when EOS reports the profile invalid, and a second transaction meanwhile is
// refused. No secret reaches the agent's log.
#include <crypt.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/x509.h"
#include "common/x509_issuer.h"
#include "ctl/validate_platform.h"
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

class EosTest : public PlatformTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    PlatformTest::SetUp();
    confirm_timeout_ = 2;  // the agent requires commit timers (3 s here) above it
    StartEmulator({});
    platform::EosConfig c;
    c.socket = Socket();
    eapi_ = std::make_unique<EapiClient>(c);
    // The switch has users admin and ops with known secrets, and no ssl profile yet.
    ASSERT_TRUE(eapi_
                    ->Run({"configure session setup",
                           "username admin secret sha512 " + Sha512("Initial+9z"),
                           "username ops secret sha512 " + Sha512("Ops+initial7"), "commit"})
                    .ok());
  }
  void TearDown() override {
    ExpectNoSecretsInLog({"Rotated+pass1", "Initial+9z", "Ops+initial7", "Ops+rotated8"});
    // The emulator may still be answering the agent: both are gone before the directory goes.
    agent_.reset();
    eapi_.reset();
    emulator_.reset();
    PlatformTest::TearDown();
  }
  void StartEmulator(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {
        EAPI_EMULATOR_PATH,      "--socket",         Socket(),  "--state",
        (dir_ / "eos").string(), "--session-format", GetParam()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    emulator_.reset();
    emulator_ = std::make_unique<EmulatorProcess>(argv);
  }
  std::string Socket() const { return (dir_ / "command-api.sock").string(); }
  void StartEosAgent(const std::map<std::string, std::string>& env = {}, int commit_timer = 3,
                     const std::string& extra = "") {
    StartAgent("  kind: eos\n  eos: {socket: " + Socket() + ", commit_timer: " +
                   std::to_string(commit_timer) + ", login_proof: readback" + extra + "}\n",
               env);
  }
  std::optional<platform::eos::SslProfileConfig> Gnsi() const {
    return ParseSslProfile(*eapi_->Text("show running-config section management security"), "gnsi");
  }
  std::string Secret(const std::string& user) const {
    return ParseUserSecret(*eapi_->Text("show running-config section username"), user).value_or("");
  }
  nlohmann::json Sessions() const {
    return (*eapi_->Run({"show configuration sessions detail"}))[0];
  }
  // The session waiting on its commit timer, read the way this EOS release prints it.
  std::string PendingSession() const {
    const nlohmann::json s = Sessions();
    if (GetParam() == "4.32") {
      for (const auto& [name, st] : s["sessions"].items()) {
        EXPECT_NE(st["state"], "pendingCommitTimer") << "4.32 never prints the old state";
      }
      return s.value("commitTimerSessionName", "");
    }
    EXPECT_FALSE(s.contains("commitTimerSessionName"));
    for (const auto& [name, st] : s["sessions"].items()) {
      if (st["state"] == "pendingCommitTimer") return name;
    }
    return "";
  }
  std::string Events() const { return ReadText(dir_ / "eos" / "events"); }
  bool InStore(const std::string& store, const std::string& name) const {
    return fs::exists(dir_ / "eos" / store / name);
  }
  std::string Violations() const { return ReadText(dir_ / "eos" / "violations"); }
  // Whether the agent holds `version` of profile gnsi: re-uploading it is then ALREADY_EXISTS.
  grpc::StatusCode Reupload(const Identity& leaf, const std::string& version) {
    auto stub = Certz();
    RotateStream s(*stub);
    s.Exchange(Upload("gnsi", {ChainEntity(version, 1700000000, {leaf.cert_pem}, leaf.key_pem),
                               TrustEntity(version, 1700000000, {ca_.cert_pem})}));
    return s.Finish().error_code();
  }

  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<EapiClient> eapi_;
};

INSTANTIATE_TEST_SUITE_P(SessionFormats, EosTest, ::testing::Values("4.31", "4.32"),
                         [](const auto& info) { return "eos" + info.param.substr(2); });

// EOS has no SSH-host sink: the SSH server RPCs are UNIMPLEMENTED naming the capability, nothing
// reaches the switch, and gNMI reports the capability missing.
TEST_P(EosTest, MissingSshHostCapabilityIsUnimplementedAndReportedOverGnmi) {
  StartEosAgent();
  const std::string events = Events();
  ExpectNoSshHostCapability("eos");
  EXPECT_EQ(Events(), events);
  EXPECT_EQ(PendingSession(), "");
}

TEST_P(EosTest, CertificateGoesLiveUnderACommitTimerAndFinalizeConfirmsIt) {
  StartEosAgent();
  auto s = RotateGnsi(leaf1_, "v1", /*finalize=*/false);
  // Live before Finalize, with EOS holding the way back.
  auto gnsi = Gnsi();
  ASSERT_TRUE(gnsi.has_value());
  const std::string v1 = gnsi->certificate;
  EXPECT_EQ(v1.rfind("rotagent-gnsi-", 0), 0u) << v1;
  EXPECT_EQ(gnsi->trust.size(), 1u);
  EXPECT_TRUE(InStore("keys", gnsi->key));
  const std::string pending = PendingSession();
  EXPECT_EQ(pending.rfind("rotagent-cert-", 0), 0u) << Sessions().dump();
  ASSERT_TRUE(s->Send(Finalize("gnsi")));
  ASSERT_TRUE(s->Finish().ok());
  EXPECT_EQ(PendingSession(), "");
  EXPECT_NE(Events().find("confirm " + pending), std::string::npos) << Events();
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

TEST_P(EosTest, DroppedStreamAbortsTheSessionByNameAndRemovesItsFiles) {
  StartEosAgent();
  RotateGnsi(leaf1_, "v1", true);
  const auto v1 = Gnsi();
  auto s = RotateGnsi(leaf2_, "v2", false);
  const auto v2 = Gnsi();
  ASSERT_NE(v2->certificate, v1->certificate);
  const std::string pending = PendingSession();
  ASSERT_NE(pending, "");
  s.reset();  // dropped without Finalize
  auto stub = Certz();
  ASSERT_TRUE(WaitRotationIdle(*stub, "gnsi"));
  EXPECT_EQ(Gnsi(), v1);
  EXPECT_NE(Events().find("abort " + pending), std::string::npos) << Events();
  EXPECT_EQ(PendingSession(), "");
  EXPECT_FALSE(InStore("certs", v2->certificate));
  EXPECT_FALSE(InStore("keys", v2->key));
  EXPECT_TRUE(InStore("certs", v1->certificate));
}

// The agent dies between `commit timer` and Finalize. The timer is long, so only the agent can
// have put v1 back: after its restart it aborts the session it recorded, by name, at once, and
// reports v1 like the box. (The old adapter looked only for state pendingCommitTimer: on 4.32 it
// left the session waiting, to be rolled back minutes later behind its back.)
TEST_P(EosTest, RestartBeforeFinalizeAbortsTheRecordedSessionByName) {
  StartEosAgent({}, /*commit_timer=*/600);
  RotateGnsi(leaf1_, "v1", true);
  const auto v1 = Gnsi();
  agent_->Stop();
  StartEosAgent({{"ROTAGENT_FAILPOINT", "certz.platform_staged"}}, 600);
  {
    auto stub = Certz();
    RotateStream s(*stub);
    EXPECT_FALSE(
        s.Exchange(Upload("gnsi", {ChainEntity("v2", 1700000000, {leaf2_.cert_pem}, leaf2_.key_pem),
                                   TrustEntity("v2", 1700000000, {ca_.cert_pem})})));
  }
  agent_->WaitExit();
  const std::string pending = PendingSession();
  ASSERT_NE(pending, "") << "the agent died with v2 live under the timer";
  ASSERT_NE(Gnsi(), v1);
  StartEosAgent({}, 600);  // the restart resolves the journal before serving
  EXPECT_EQ(PendingSession(), "");
  EXPECT_EQ(Gnsi(), v1);
  EXPECT_NE(Events().find("abort " + pending), std::string::npos) << Events();
  EXPECT_EQ(Events().find("timer-expired"), std::string::npos) << Events();
  EXPECT_EQ(Reupload(leaf1_, "v1"), grpc::StatusCode::ALREADY_EXISTS);  // the agent says v1 too
  RotateGnsi(leaf2_, "v3", true);
  EXPECT_NE(Gnsi(), v1);
}

// The agent dies after deciding to commit (Finalize received, session confirmed): after the
// restart the box keeps v2, no timer is left to revert it, and the agent reports v2.
TEST_P(EosTest, RestartAfterTheCommitPointKeepsTheConfirmedChange) {
  StartEosAgent({{"ROTAGENT_FAILPOINT", "txn.commit_decided"}});
  {
    auto s = RotateGnsi(leaf1_, "v1", false);
    ASSERT_TRUE(s->Send(Finalize("gnsi")));
    s->Finish();
  }
  agent_->WaitExit();
  const auto v1 = Gnsi();
  ASSERT_TRUE(v1.has_value());
  StartEosAgent();
  EXPECT_EQ(PendingSession(), "");
  // Longer than the 3 s commit timer: nothing rolls it back.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  EXPECT_EQ(Gnsi(), v1);
  EXPECT_EQ(Events().find("timer-expired"), std::string::npos) << Events();
  EXPECT_EQ(Reupload(leaf1_, "v1"), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_P(EosTest, TwoAccountsRotateInOneSessionAndRollBackTogether) {
  accounts_ = "[{name: admin, role: Admin}, {name: ops, role: Operator}]";
  StartEosAgent();
  auto stub = Credentialz();
  const std::string admin0 = Secret("admin"), ops0 = Secret("ops");
  auto both = [](const std::string& a, const std::string& b, const std::string& v) {
    auto r = HashedPassword("admin", HashType::HASH_TYPE_CRYPT_SHA_2_512, Sha512(a), v);
    *r.mutable_password()->add_accounts() =
        HashedPassword("ops", HashType::HASH_TYPE_CRYPT_SHA_2_512, Sha512(b), v)
            .password()
            .accounts(0);
    return r;
  };
  {
    auto s = OpenAccountStream(*stub);
    ASSERT_TRUE(s->Exchange(both("Rotated+pass1", "Ops+rotated8", "p1")));
    EXPECT_EQ(Secret("admin"), Sha512("Rotated+pass1"));
    EXPECT_EQ(Secret("ops"), Sha512("Ops+rotated8"));
    EXPECT_EQ(PendingSession().rfind("rotagent-user-", 0), 0u);
    // Dropped: one abort puts both back.
  }
  ASSERT_TRUE(WaitCredentialzIdle(*stub));
  EXPECT_EQ(Secret("admin"), admin0);
  EXPECT_EQ(Secret("ops"), ops0);
  EXPECT_EQ(PendingSession(), "");
  {
    auto s = OpenAccountStream(*stub);
    ASSERT_TRUE(s->Exchange(both("Rotated+pass1", "Ops+rotated8", "p2")));
    const std::string session = PendingSession();
    ASSERT_TRUE(s->Send(FinalizeAccounts()));
    grpc::Status st = s->Finish();
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_NE(Events().find("confirm " + session), std::string::npos) << Events();
  }
  EXPECT_EQ(Secret("admin"), Sha512("Rotated+pass1"));
  EXPECT_EQ(Secret("ops"), Sha512("Ops+rotated8"));
  EXPECT_EQ(PendingSession(), "");
  EXPECT_EQ(Violations(), "");
}

// Killed after the first account's commit but before the transaction's last: the session is
// still unconfirmed, so the restart aborts it by name and both accounts are back as they were.
TEST_P(EosTest, RestartBetweenTwoAccountsCommitsRollsBothBack) {
  accounts_ = "[{name: admin, role: Admin}, {name: ops, role: Operator}]";
  StartEosAgent({{"ROTAGENT_FAILPOINT", "txn.platform_committed"}}, 600);
  const std::string admin0 = Secret("admin"), ops0 = Secret("ops");
  {
    auto stub = Credentialz();
    auto s = OpenAccountStream(*stub);
    auto r = PlaintextPassword("admin", "Rotated+pass1", "p1");
    *r.mutable_password()->add_accounts() =
        PlaintextPassword("ops", "Ops+rotated8", "p1").password().accounts(0);
    ASSERT_TRUE(s->Exchange(r));
    ASSERT_TRUE(s->Send(FinalizeAccounts()));
    s->Finish();
  }
  agent_->WaitExit();
  const std::string pending = PendingSession();
  ASSERT_NE(pending, "");
  StartEosAgent({}, 600);
  EXPECT_EQ(PendingSession(), "");
  EXPECT_EQ(Secret("admin"), admin0);
  EXPECT_EQ(Secret("ops"), ops0);
  EXPECT_NE(Events().find("abort " + pending), std::string::npos) << Events();
}

TEST_P(EosTest, ASecondChangeWhileOneWaitsIsRefusedCleanly) {
  StartEosAgent();
  const std::string admin0 = Secret("admin");
  auto cert = RotateGnsi(leaf1_, "v1", /*finalize=*/false);
  auto stub = Credentialz();
  {
    auto s = OpenAccountStream(*stub);
    EXPECT_FALSE(s->Exchange(PlaintextPassword("admin", "Rotated+pass1", "p1")));
    grpc::Status st = s->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::ABORTED) << st.error_message();
    EXPECT_NE(st.error_message().find("certz rotation"), std::string::npos) << st.error_message();
  }
  EXPECT_EQ(Secret("admin"), admin0);
  ASSERT_TRUE(cert->Send(Finalize("gnsi")));
  ASSERT_TRUE(cert->Finish().ok());
  // An operator's own session waiting on a timer: the agent does not touch it.
  ASSERT_TRUE(
      eapi_
          ->Run({"configure session operator-change",
                 "username ops secret sha512 " + Sha512("Ops+rotated8"), "commit timer 00:10:00"})
          .ok());
  {
    auto s = OpenAccountStream(*stub);
    EXPECT_FALSE(s->Exchange(PlaintextPassword("admin", "Rotated+pass1", "p1")));
    grpc::Status st = s->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
    EXPECT_NE(st.error_message().find("operator-change"), std::string::npos) << st.error_message();
  }
  EXPECT_EQ(Secret("admin"), admin0);
  EXPECT_EQ(PendingSession(), "operator-change");
  ASSERT_TRUE(eapi_->Run({"configure session operator-change commit"}).ok());
  // Once it is gone, the agent rotates again.
  auto s = OpenAccountStream(*stub);
  ASSERT_TRUE(s->Exchange(PlaintextPassword("admin", "Rotated+pass1", "p1")));
  ASSERT_TRUE(s->Send(FinalizeAccounts()));
  ASSERT_TRUE(s->Finish().ok());
}

// EOS takes a certificate its profile cannot use and marks the profile invalid; here the box is
// one that takes RSA keys only (aristanetworks/openmgmt mTLS guide), and the leaf is EC.
TEST_P(EosTest, AProfileEosMarksInvalidIsRefusedBeforeFinalize) {
  StartEmulator({"--rsa-only", "1"});
  StartEosAgent();
  auto stub = Certz();
  RotateStream s(*stub);
  EXPECT_FALSE(
      s.Exchange(Upload("gnsi", {ChainEntity("v1", 1700000000, {leaf1_.cert_pem}, leaf1_.key_pem),
                                 TrustEntity("v1", 1700000000, {ca_.cert_pem})})));
  grpc::Status st = s.Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  EXPECT_NE(st.error_message().find("EOS reports ssl profile gnsi invalid"), std::string::npos)
      << st.error_message();
  ASSERT_TRUE(WaitRotationIdle(*stub, "gnsi"));
  EXPECT_FALSE(Gnsi().has_value() && !Gnsi()->certificate.empty());
  EXPECT_EQ(PendingSession(), "");
}

TEST_P(EosTest, IntermediatesGoOnChainLinesAndBuiltInTrustStays) {
  ASSERT_TRUE(eapi_
                  ->Run({"configure session setup2", "management security", "ssl profile gnsi",
                         "trust certificate system", "commit"})
                  .ok());
  auto inter =
      x509::Issue({.common_name = "intermediate CA", .is_ca = true}, ca_.cert.get(), ca_.key.get());
  ASSERT_TRUE(inter.ok());
  auto leaf = x509::Issue({.common_name = "device-chained", .dns_names = {"localhost"}},
                          inter->cert.get(), inter->key.get());
  ASSERT_TRUE(leaf.ok());
  const std::string leaf_pem = x509::CertToPem(leaf->cert.get());
  const std::string inter_pem = x509::CertToPem(inter->cert.get());
  std::string key_pem = x509::KeyToPem(leaf->key.get());
  StartEosAgent();
  {
    auto stub = Certz();
    RotateStream s(*stub);
    ASSERT_TRUE(
        s.Exchange(Upload("gnsi", {ChainEntity("v1", 1700000000, {leaf_pem, inter_pem}, key_pem),
                                   TrustEntity("v1", 1700000000, {ca_.cert_pem})})));
    ASSERT_TRUE(s.Send(Finalize("gnsi")));
    ASSERT_TRUE(s.Finish().ok());
  }
  auto v1 = Gnsi();
  ASSERT_EQ(v1->chain.size(), 1u);
  EXPECT_EQ(ReadText(dir_ / "eos" / "certs" / v1->chain[0]), inter_pem);
  EXPECT_EQ(ReadText(dir_ / "eos" / "certs" / v1->certificate), leaf_pem);
  EXPECT_NE(std::find(v1->trust.begin(), v1->trust.end(), "system"), v1->trust.end());
  RotateGnsi(leaf2_, "v2", true);  // no intermediate: the chain line goes, system stays
  auto v2 = Gnsi();
  EXPECT_TRUE(v2->chain.empty());
  EXPECT_NE(std::find(v2->trust.begin(), v2->trust.end(), "system"), v2->trust.end());
  EXPECT_FALSE(InStore("certs", v1->chain[0]));
}

// Where the profile serves a listener, a fresh TLS handshake must present the new certificate.
TEST_P(EosTest, AListenerServingTheProfileIsProvenByAHandshake) {
  std::ofstream(dir_ / "https-cert.pem") << bootstrap_.cert_pem;
  std::ofstream(dir_ / "https-key.pem") << bootstrap_.key_pem;
  std::ofstream(dir_ / "eapi-password") << "Eapi+secret1";
  const std::vector<std::string> https = {
      "--https-cert",          (dir_ / "https-cert.pem").string(),
      "--https-key",           (dir_ / "https-key.pem").string(),
      "--https-password-file", (dir_ / "eapi-password").string()};
  std::vector<std::string> serving = https;
  serving.insert(serving.end(), {"--https-profile", "gnsi"});
  StartEmulator(serving);
  const std::string out = emulator_->output();
  const std::string port = out.substr(out.find("https-port ") + 11, out.find('\n') - 11);
  StartEosAgent({}, 3, ", listeners: {gnsi: \"127.0.0.1:" + port + "\"}");
  RotateGnsi(leaf1_, "v1", true);
  EXPECT_EQ(x509::Fingerprint(
                (*x509::ParseCertificates(leaf1_.cert_pem, x509::Encoding::kPem, "leaf"))[0].get()),
            x509::Fingerprint(
                (*x509::ParseCertificates(ReadText(dir_ / "eos" / "certs" / Gnsi()->certificate),
                                          x509::Encoding::kPem, "stored"))[0]
                    .get()));
  // A listener that keeps serving another certificate fails the proof, and nothing changes.
  const auto v1 = Gnsi();
  EmulatorProcess other({EAPI_EMULATOR_PATH, "--socket", (dir_ / "other.sock").string(), "--state",
                         (dir_ / "other").string(), https[0], https[1], https[2], https[3],
                         https[4], https[5]});
  const std::string o = other.output();
  const std::string other_port = o.substr(o.find("https-port ") + 11, o.find('\n') - 11);
  agent_->Stop();
  StartEosAgent({}, 3, ", listeners: {gnsi: \"127.0.0.1:" + other_port + "\"}");
  auto stub = Certz();
  RotateStream s(*stub);
  EXPECT_FALSE(
      s.Exchange(Upload("gnsi", {ChainEntity("v2", 1700000000, {leaf2_.cert_pem}, leaf2_.key_pem),
                                 TrustEntity("v2", 1700000000, {ca_.cert_pem})})));
  grpc::Status st = s.Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  EXPECT_NE(st.error_message().find("not the staged certificate"), std::string::npos)
      << st.error_message();
  ASSERT_TRUE(WaitRotationIdle(*stub, "gnsi"));
  EXPECT_EQ(Gnsi(), v1);
}

TEST_P(EosTest, EapiFailuresAreNamedScrubbedAndChangeNothing) {
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
  EXPECT_EQ(Gnsi(), v1);
  EXPECT_EQ(PendingSession(), "");
  // EOS quotes the whole failing command, hash included: neither the caller nor the log sees it.
  std::ofstream(dir_ / "eos" / "fail") << "username\n";
  const std::string hash = Sha512("Another+pass2");
  {
    auto stub = Credentialz();
    auto s = OpenAccountStream(*stub);
    EXPECT_FALSE(
        s->Exchange(HashedPassword("admin", HashType::HASH_TYPE_CRYPT_SHA_2_512, hash, "p2")));
    grpc::Status st = s->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
    EXPECT_NE(st.error_message().find("username admin secret <redacted>"), std::string::npos)
        << st.error_message();
    EXPECT_EQ(st.error_message().find(hash), std::string::npos);
    EXPECT_EQ(st.error_message().find("$6$"), std::string::npos);
  }
  fs::remove(dir_ / "eos" / "fail");
  EXPECT_EQ(agent_->Log().find(hash.substr(16)), std::string::npos);
  // What a switch refuses, the client reports precisely, and scrubbed.
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

TEST_P(EosTest, PasswordsReachEapiOnlyAsSha512Secrets) {
  StartEosAgent();
  auto stub = Credentialz();
  const std::string before = Secret("admin");
  {
    auto s = OpenAccountStream(*stub);
    ASSERT_TRUE(s->Exchange(PlaintextPassword("admin", "Rotated+pass1", "p1")));
    const std::string staged = Secret("admin");
    EXPECT_EQ(staged.rfind("$6$", 0), 0u) << staged;
    crypt_data data{};
    EXPECT_EQ(std::string(crypt_r("Rotated+pass1", staged.c_str(), &data)), staged);
    ASSERT_TRUE(s->Send(FinalizeAccounts()));
    ASSERT_TRUE(s->Finish().ok());
  }
  const std::string committed = Secret("admin");
  EXPECT_NE(committed, before);
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
  EXPECT_EQ(Secret("admin"), committed);
  EXPECT_EQ(Violations(), "");
}

// `rotctl validate --platform-checks eos` on the box: names the form this release uses, sees a
// second timer refused, reads the profile valid, and leaves no session behind.
TEST_P(EosTest, PlatformChecksReadTheBoxAndLeaveItAsItWas) {
  StartEosAgent();
  RotateGnsi(leaf1_, "v1", true);
  agent_->Stop();
  const auto before = Gnsi();
  const auto checks = ctl::ValidatePlatform("eos:" + Socket(), "gnsi");
  ASSERT_EQ(checks.size(), 3u);
  for (const auto& c : checks) EXPECT_EQ(c.result, "pass") << c.name << ": " << c.detail;
  EXPECT_NE(
      checks[0].detail.find(GetParam() == "4.32" ? "commitTimerSessionName" : "pendingCommitTimer"),
      std::string::npos)
      << checks[0].detail;
  EXPECT_EQ(PendingSession(), "");
  EXPECT_EQ(Gnsi(), before);
  EXPECT_EQ(ctl::ValidatePlatform("eos:" + Socket(), "nope")[2].result, "fail");
}

TEST_P(EosTest, HttpsTransportAuthenticatesWithAPasswordFile) {
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
