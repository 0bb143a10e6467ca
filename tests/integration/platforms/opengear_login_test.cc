// An Opengear whose ogcli prints `hashed_password` masked whatever is asked, with
// `platform.opengear.login_proof: ssh`: the real agent proves each new password by a real SSH
// login against the real Debian sshd. The ogcli emulator regenerates /etc/shadow from its
// database as the configuration system does (OGCLI_EMULATOR_SHADOW=1); the account lives only in
// this process's /etc copy (login_sandbox_main.cc). No password or hash reaches the agent's log.
#include <crypt.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/integration/platforms/login_account.h"
#include "tests/integration/platforms/platform_fixture.h"
#include "tests/support/run_command.h"
#include "tests/support/sshd_process.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;

// Passwords live in constants so that failure messages show names, never the secret.
constexpr const char* kFirst = "Masked+first1";
constexpr const char* kSecond = "Masked+second2";

class OpengearLoginTest : public PlatformTest {
 protected:
  void SetUp() override {
    PlatformTest::SetUp();
    // Each test starts from the account as the sandbox created it.
    ASSERT_EQ(
        RunCommand({"chpasswd"}, std::string(kLoginAccount) + ":" + kLoginInitialPassword + "\n"),
        0);
    db_ = dir_ / "ngcs.db";
    std::ofstream(db_) << nlohmann::json{{"users",
                                          {{{"id", "users-1"},
                                            {"username", kLoginAccount},
                                            {"enabled", true},
                                            {"groups", {"groups-1"}},
                                            {"hashed_password", Sha512(kLoginInitialPassword)}}}},
                                         {"services",
                                          {{"https",
                                            {{"cert", bootstrap_.cert_pem},
                                             {"csr", {{"private_key", bootstrap_.key_pem}}}}}}}}
                              .dump(2);
    sshd_ = std::make_unique<SshdProcess>(dir_ / "sshd");
    sshd_->Start();
    StartAgent(
        "  kind: opengear\n  opengear: {ogcli: " + std::string(OGCLI_EMULATOR_PATH) +
            ", login_proof: ssh}\n  ssh: {address: 127.0.0.1:" + std::to_string(sshd_->port()) +
            ", host_public_keys: [" + sshd_->host_public_key().string() + "]}\n",
        {{"OGCLI_EMULATOR_DB", db_.string()},
         {"OGCLI_EMULATOR_SECRETS", "mask"},
         {"OGCLI_EMULATOR_SHADOW", "1"}});
  }
  void TearDown() override {
    ExpectNoSecretsInLog({kFirst, kSecond, kLoginInitialPassword});
    if (sshd_) {
      const std::string log = sshd_->Log();
      for (const char* pw : {kFirst, kSecond, kLoginInitialPassword}) {
        EXPECT_EQ(log.find(pw), std::string::npos) << "a password reached sshd's log";
      }
    }
    sshd_.reset();
    PlatformTest::TearDown();
  }

  bool Login(const char* password) const {
    return PasswordLogin(sshd_->port(), kLoginAccount, password);
  }
  // The hash the emulator's database holds (never printed by the emulator: masked).
  std::string DbHash() const {
    return nlohmann::json::parse(ReadText(db_))["users"][0]["hashed_password"];
  }
  static bool HashOf(const std::string& hash, const char* password) {
    crypt_data data{};
    const char* c = crypt_r(password, hash.c_str(), &data);
    return c != nullptr && hash == c;
  }
  // sshd's successful password logins of the account so far.
  size_t Accepted() const {
    const std::string log = sshd_->Log();
    const std::regex line(std::string("Accepted password for ") + kLoginAccount + " ");
    return std::distance(std::sregex_iterator(log.begin(), log.end(), line),
                         std::sregex_iterator());
  }
  // sshd may log a login after its client has seen it succeed: the count once it reaches `n`
  // (polled, 10 s at most).
  size_t AcceptedOnceAtLeast(size_t n) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    size_t seen = Accepted();
    while (seen < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      seen = Accepted();
    }
    return seen;
  }
  grpc::Status Rotate(const char* password, const std::string& version) {
    auto stub = Credentialz();
    auto s = OpenAccountStream(*stub);
    if (!s->Exchange(PlaintextPassword(kLoginAccount, password, version))) return s->Finish();
    s->Send(FinalizeAccounts());
    return s->Finish();
  }
  std::string Violations() const { return ReadText(db_.string() + ".violations"); }

  fs::path db_;
  std::unique_ptr<SshdProcess> sshd_;
};

TEST_F(OpengearLoginTest, ANewPasswordIsProvenByARealLoginAndCommits) {
  // The box really masks the hash, even when asked for cleartext: read-back proves nothing.
  std::string users;
  ASSERT_EQ(RunCommand({"env", "OGCLI_EMULATOR_DB=" + db_.string(), "OGCLI_EMULATOR_SECRETS=mask",
                        OGCLI_EMULATOR_PATH, "--secrets", "cleartext", "get", "users"},
                       "", &users),
            0);
  EXPECT_EQ(users.find("$6$"), std::string::npos) << users;
  ASSERT_TRUE(Login(kLoginInitialPassword));
  const size_t before = AcceptedOnceAtLeast(1);
  auto stub = Credentialz();
  auto s = OpenAccountStream(*stub);
  ASSERT_TRUE(s->Exchange(PlaintextPassword(kLoginAccount, kFirst, "og-1")));
  // The agent logged in with the new password before it answered.
  EXPECT_EQ(AcceptedOnceAtLeast(before + 1), before + 1)
      << "the agent's proof login is missing from sshd's log";
  ASSERT_TRUE(s->Send(FinalizeAccounts()));
  grpc::Status st = s->Finish();
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(Login(kFirst));
  EXPECT_FALSE(Login(kLoginInitialPassword));
  EXPECT_TRUE(HashOf(DbHash(), kFirst));  // through ogcli, as sha512-crypt
  EXPECT_EQ(DbHash().rfind("$6$", 0), 0u);
  EXPECT_EQ(Violations(), "");
}

// ogcli reports success but the box does not take the password (its configuration system did not
// regenerate /etc/shadow): the login proof fails, the stream ends with a status naming it, and
// the previous (committed) password is applied again through ogcli.
TEST_F(OpengearLoginTest, APasswordTheBoxDidNotTakeFailsItsLoginProofAndRollsBack) {
  ASSERT_TRUE(Rotate(kFirst, "og-1").ok());
  const std::string committed = DbHash();
  std::ofstream(db_.string() + ".stale-shadow") << "\n";
  grpc::Status st = Rotate(kSecond, "og-2");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  EXPECT_NE(st.error_message().find("the new password did not prove itself; every change of this "
                                    "stream was rolled back"),
            std::string::npos)
      << st.error_message();
  EXPECT_NE(st.error_message().find("sshd at 127.0.0.1:" + std::to_string(sshd_->port()) +
                                    " refused the password login of account 'admin'"),
            std::string::npos)
      << st.error_message();
  EXPECT_FALSE(fs::exists(db_.string() + ".stale-shadow")) << "the emulator never saw the change";
  auto stub = Credentialz();
  ASSERT_TRUE(WaitCredentialzIdle(*stub));
  EXPECT_EQ(DbHash(), committed);
  EXPECT_TRUE(Login(kFirst));
  EXPECT_FALSE(Login(kSecond));
  EXPECT_EQ(Violations(), "");
}

// A dropped stream puts the committed password back, and logins with it work again; the one
// that was staged (and proven) no longer does.
TEST_F(OpengearLoginTest, DroppedStreamRestoresLoginWithTheOldPassword) {
  ASSERT_TRUE(Rotate(kFirst, "og-1").ok());
  auto stub = Credentialz();
  {
    auto s = OpenAccountStream(*stub);
    ASSERT_TRUE(s->Exchange(PlaintextPassword(kLoginAccount, kSecond, "og-2")));
    EXPECT_TRUE(Login(kSecond));  // staged: what new logins see
    EXPECT_FALSE(Login(kFirst));
    s->Cancel();
  }
  ASSERT_TRUE(WaitCredentialzIdle(*stub));
  EXPECT_TRUE(Login(kFirst));
  EXPECT_FALSE(Login(kSecond));
  EXPECT_TRUE(HashOf(DbHash(), kFirst));
  EXPECT_EQ(Violations(), "");
}

}  // namespace
}  // namespace rotagent::testing
