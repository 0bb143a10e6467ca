// The real agent with platform kind opengear against the ogcli emulator, which prints what real
// ogcli prints (bare `field=value` blocks, unquoted booleans and lists, secrets masked unless
// asked for in cleartext). The HTTPS certificate goes to `cert` and its key to
// `csr.private_key`; a rollback re-applies the previous values through ogcli and never replaces
// the configuration database; ogcli failures change nothing; no secret reaches the agent's log.
#include <crypt.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "ctl/validate_platform.h"
#include "platform/opengear/ogcli_format.h"
#include "tests/integration/platforms/platform_fixture.h"
#include "tests/support/run_command.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;
using HashType = cz::PasswordRequest::CryptoHash;

class OpengearTest : public PlatformTest {
 protected:
  void SetUp() override {
    PlatformTest::SetUp();
    db_ = dir_ / "ngcs.db";
    std::ofstream(db_) << nlohmann::json{{"users",
                                          {{{"id", "users-1"},
                                            {"username", "root"},
                                            {"description", "System wide SuperUser account"},
                                            {"enabled", true},
                                            {"groups", {"groups-1"}},
                                            {"hashed_password", Sha512("root+9z")}},
                                           {{"id", "users-2"},
                                            {"username", "admin"},
                                            {"description", "a user named \"admin\""},
                                            {"enabled", true},
                                            {"groups", {"groups-1", "groups-3"}},
                                            {"hashed_password", Sha512("Initial+9z")}}}},
                                         {"services",
                                          {{"https",
                                            {{"cert", bootstrap_.cert_pem},
                                             {"csr",
                                              {{"common_name", "console"},
                                               {"private_key", bootstrap_.key_pem}}}}}}}}
                              .dump(2);
  }
  void TearDown() override {
    ExpectNoSecretsInLog({"Rotated+pass1", "Initial+9z", "root+9z", leaf1_.key_pem.substr(40, 40),
                          bootstrap_.key_pem.substr(40, 40)});
    PlatformTest::TearDown();
  }
  void StartOpengearAgent(const std::string& secrets = "") {
    std::map<std::string, std::string> env = {{"OGCLI_EMULATOR_DB", db_.string()}};
    if (!secrets.empty()) env["OGCLI_EMULATOR_SECRETS"] = secrets;
    StartAgent("  kind: opengear\n  opengear: {ogcli: " + std::string(OGCLI_EMULATOR_PATH) +
                   ", login_proof: readback}\n",
               env);
  }
  nlohmann::json Db() const { return nlohmann::json::parse(ReadText(db_)); }
  std::string HttpsCert() const { return Db()["services"]["https"]["cert"]; }
  std::string HttpsKey() const { return Db()["services"]["https"]["csr"]["private_key"]; }
  std::string AdminHash() const { return Db()["users"][1]["hashed_password"]; }
  fs::path SavedOriginal() const {
    return dir_ / "agent" / "state" / "platform" / "opengear-https-original";
  }
  std::string Violations() const { return ReadText(db_.string() + ".violations"); }
  std::string Ogcli(const std::vector<std::string>& args, const std::string& input = "") const {
    std::vector<std::string> argv = {"env", "OGCLI_EMULATOR_DB=" + db_.string(),
                                     OGCLI_EMULATOR_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out;
    EXPECT_EQ(RunCommand(argv, input, &out), 0) << out;
    return out;
  }

  fs::path db_;
};

// What the emulator prints is ogcli's real form, and the adapter's parser reads it.
TEST_F(OpengearTest, TheEmulatorPrintsBareFieldsAndMasksSecrets) {
  const std::string users = Ogcli({"get", "users"});
  EXPECT_EQ(users.find("users["), std::string::npos) << users;
  EXPECT_NE(users.find("\nusername=\"admin\"\n"), std::string::npos) << users;
  EXPECT_NE(users.find("\nenabled=true\n"), std::string::npos) << users;
  EXPECT_NE(users.find("\ngroups=[groups-1,groups-3]\n"), std::string::npos) << users;
  EXPECT_EQ(users.find("$6$"), std::string::npos) << "masked by default";
  const auto records = platform::opengear::ParseOgcliRecords(users);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].at("id"), "users-2");
  EXPECT_EQ(records[1].at("description"), "a user named \"admin\"");
  EXPECT_TRUE(platform::opengear::MaskedHash(records[1].at("hashed_password")));
  const auto clear =
      platform::opengear::ParseOgcliRecords(Ogcli({"--secrets", "cleartext", "get", "users"}));
  EXPECT_EQ(clear[1].at("hashed_password"), Sha512("Initial+9z"));
  const auto https =
      platform::opengear::ParseOgcli(Ogcli({"--secrets", "cleartext", "get", "services/https"}));
  EXPECT_EQ(https.at("cert"), bootstrap_.cert_pem);
  EXPECT_EQ(https.at("csr.private_key"), bootstrap_.key_pem);
  EXPECT_EQ(https.at("csr.common_name"), "console");
}

TEST_F(OpengearTest, PlatformChecksReadOgcliForms) {
  setenv("OGCLI_EMULATOR_DB", db_.string().c_str(), 1);
  auto checks = ctl::ValidatePlatform(std::string("opengear:") + OGCLI_EMULATOR_PATH, "");
  ASSERT_EQ(checks.size(), 2u);
  for (const auto& c : checks) EXPECT_EQ(c.result, "pass") << c.name << ": " << c.detail;
  EXPECT_NE(checks[0].detail.find("reads back in cleartext"), std::string::npos);
  setenv("OGCLI_EMULATOR_SECRETS", "mask", 1);
  checks = ctl::ValidatePlatform(std::string("opengear:") + OGCLI_EMULATOR_PATH, "");
  unsetenv("OGCLI_EMULATOR_SECRETS");
  unsetenv("OGCLI_EMULATOR_DB");
  EXPECT_NE(checks[0].detail.find("prints masked"), std::string::npos) << checks[0].detail;
  EXPECT_EQ(ctl::ValidatePlatform("junos", "")[0].result, "fail");
}

TEST_F(OpengearTest, HttpsCertificateAndKeyGoToTheirRealFields) {
  StartOpengearAgent();
  auto s = RotateGnsi(leaf1_, "v1", /*finalize=*/false);
  EXPECT_EQ(HttpsCert(), leaf1_.cert_pem);
  EXPECT_EQ(HttpsKey(), leaf1_.key_pem);
  // The box's own certificate is kept for a rollback, readable by the agent only.
  struct stat st {};
  ASSERT_EQ(stat(SavedOriginal().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(s->Send(Finalize("gnsi")));
  ASSERT_TRUE(s->Finish().ok());
  EXPECT_EQ(HttpsCert(), leaf1_.cert_pem);
  EXPECT_FALSE(fs::exists(SavedOriginal()));
  EXPECT_EQ(Violations(), "");
}

TEST_F(OpengearTest, DroppedStreamReappliesThePreviousValues) {
  StartOpengearAgent();
  // The first rotation dropped: the box's own certificate and key come back.
  {
    auto s = RotateGnsi(leaf1_, "v1", false);
    EXPECT_EQ(HttpsCert(), leaf1_.cert_pem);
  }
  auto stub = Certz();
  ASSERT_TRUE(WaitRotationIdle(*stub, "gnsi"));
  EXPECT_EQ(HttpsCert(), bootstrap_.cert_pem);
  EXPECT_EQ(HttpsKey(), bootstrap_.key_pem);
  EXPECT_FALSE(fs::exists(SavedOriginal()));
  // A later one dropped: the committed version comes back.
  RotateGnsi(leaf1_, "v1", true);
  {
    auto s = RotateGnsi(leaf2_, "v2", false);
    EXPECT_EQ(HttpsCert(), leaf2_.cert_pem);
  }
  ASSERT_TRUE(WaitRotationIdle(*stub, "gnsi"));
  EXPECT_EQ(HttpsCert(), leaf1_.cert_pem);
  EXPECT_EQ(HttpsKey(), leaf1_.key_pem);
  // Every change went through ogcli: the database was never replaced behind it.
  EXPECT_EQ(Violations(), "");
}

TEST_F(OpengearTest, PasswordsGoOnStdinAsSha512AndRollBack) {
  StartOpengearAgent();
  auto stub = Credentialz();
  const std::string before = AdminHash();
  {
    auto s = OpenAccountStream(*stub);
    ASSERT_TRUE(s->Exchange(PlaintextPassword("admin", "Rotated+pass1", "p1")));
    const std::string staged = AdminHash();
    crypt_data data{};
    EXPECT_EQ(staged.rfind("$6$", 0), 0u);
    EXPECT_EQ(std::string(crypt_r("Rotated+pass1", staged.c_str(), &data)), staged);
    // Cancelled: the previous hash is applied again.
  }
  ASSERT_TRUE(WaitCredentialzIdle(*stub));
  EXPECT_EQ(AdminHash(), before);
  {
    auto s = OpenAccountStream(*stub);
    ASSERT_TRUE(s->Exchange(HashedPassword("admin", HashType::HASH_TYPE_CRYPT_SHA_2_512,
                                           Sha512("Hashed+pass2"), "p2")));
    ASSERT_TRUE(s->Send(FinalizeAccounts()));
    ASSERT_TRUE(s->Finish().ok());
  }
  EXPECT_EQ(AdminHash(), Sha512("Hashed+pass2"));
  EXPECT_EQ(Db()["users"][0]["hashed_password"], Sha512("root+9z"));  // root untouched
  EXPECT_EQ(Db()["users"][1]["enabled"], true);                       // other fields untouched
  EXPECT_EQ(Violations(), "");
}

// A box that prints hashes masked whatever is asked: a read-back proves nothing, so without a
// login proof the change is refused before anything changes, and the mask is never taken for a
// hash.
TEST_F(OpengearTest, MaskedHashesNeedALoginProof) {
  StartOpengearAgent("mask");
  const std::string before = AdminHash();
  auto stub = Credentialz();
  auto s = OpenAccountStream(*stub);
  EXPECT_FALSE(s->Exchange(
      HashedPassword("admin", HashType::HASH_TYPE_CRYPT_SHA_2_512, Sha512("Hashed+pass2"), "p2")));
  grpc::Status st = s->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  EXPECT_NE(st.error_message().find("login_proof: ssh"), std::string::npos) << st.error_message();
  ASSERT_TRUE(WaitCredentialzIdle(*stub));
  EXPECT_EQ(AdminHash(), before);
  EXPECT_EQ(Violations(), "");
}

// Opengear has no SSH-host sink: the SSH server RPCs are UNIMPLEMENTED naming the capability
// before anything is consulted or changed, and gNMI says beforehand what the box provides.
TEST_F(OpengearTest, MissingSshHostCapabilityIsUnimplementedAndReportedOverGnmi) {
  StartOpengearAgent();
  const std::string before = ReadText(db_);
  ExpectNoSshHostCapability("opengear");
  EXPECT_EQ(GnmiLeaves("rotagent", "/rotation/agent/state/platform-capability").size(), 3u);
  EXPECT_EQ(
      GnmiLeaves(
          "rotagent",
          "/rotation/agent/state/platform-kind")["rotagent:/rotation/agent/state/platform-kind"],
      "opengear");
  EXPECT_EQ(ReadText(db_), before);
  EXPECT_EQ(Violations(), "");
}

TEST_F(OpengearTest, OgcliFailuresAreNamedAndChangeNothing) {
  StartOpengearAgent();
  const std::string before = ReadText(db_);
  std::ofstream(db_.string() + ".fail") << "update user\n";
  auto stub = Credentialz();
  {
    auto s = OpenAccountStream(*stub);
    EXPECT_FALSE(s->Exchange(HashedPassword("admin", HashType::HASH_TYPE_CRYPT_SHA_2_512,
                                            Sha512("Hashed+pass3"), "p3")));
    grpc::Status st = s->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_NE(st.error_message().find("ogcli update user users-2 failed (exit 1): Error: injected"),
              std::string::npos)
        << st.error_message();
  }
  ASSERT_TRUE(WaitCredentialzIdle(*stub));
  EXPECT_EQ(ReadText(db_), before);
  fs::remove(db_.string() + ".fail");
  std::ofstream(db_.string() + ".fail") << "update services/https\n";
  {
    auto cstub = Certz();
    RotateStream s(*cstub);
    EXPECT_FALSE(
        s.Exchange(Upload("gnsi", {ChainEntity("v1", 1700000000, {leaf1_.cert_pem}, leaf1_.key_pem),
                                   TrustEntity("v1", 1700000000, {ca_.cert_pem})})));
    EXPECT_EQ(s.Finish().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  }
  EXPECT_EQ(ReadText(db_), before);
  EXPECT_EQ(Violations(), "");
}

TEST_F(OpengearTest, TheEmulatorRefusesSecretsOnTheCommandLineAndNoticesAReplacedDatabase) {
  std::string out;
  EXPECT_EQ(RunCommand({"env", "OGCLI_EMULATOR_DB=" + db_.string(), OGCLI_EMULATOR_PATH, "update",
                        "user", "users-2", "hashed_password=" + Sha512("x")},
                       "", &out),
            1);
  EXPECT_NE(out.find("secrets must not be passed on the command line"), std::string::npos);
  EXPECT_NE(Violations().find("secret on the ogcli command line"), std::string::npos);
  EXPECT_EQ(RunCommand({"env", "OGCLI_EMULATOR_DB=" + db_.string(), OGCLI_EMULATOR_PATH, "update",
                        "user", "users-2"},
                       "hashed_password=\"not-a-hash\"\n", &out),
            1);
  EXPECT_NE(out.find("hashed_password is not a crypt hash"), std::string::npos);
  // What the old adapter's rollback did: a copy renamed over ngcs.db behind ogcli's back.
  const std::string copy = ReadText(db_);
  Ogcli({"update", "user", "users-2"}, "description=\"changed\"\n");
  std::ofstream(db_.string() + ".snapshot") << copy;
  fs::rename(db_.string() + ".snapshot", db_);
  Ogcli({"get", "users"});
  EXPECT_NE(Violations().find("replaced outside the configuration system"), std::string::npos);
}

}  // namespace
}  // namespace rotagent::testing
