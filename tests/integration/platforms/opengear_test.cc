// The real agent with platform kind opengear against the ogcli emulator: the HTTPS certificate
// and user passwords change through ogcli with values on stdin, the configuration database is
// snapshotted before each change and restored on rollback, and ogcli failures change nothing.
#include <crypt.h>

#include <fstream>
#include <nlohmann/json.hpp>

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
                                            {"hashed_password", Sha512("root+9z")}},
                                           {{"id", "users-2"},
                                            {"username", "admin"},
                                            {"hashed_password", Sha512("Initial+9z")}}}},
                                         {"services",
                                          {{"https",
                                            {{"cert", bootstrap_.cert_pem},
                                             {"private_key", bootstrap_.key_pem}}}}}}
                              .dump(2);
  }
  void StartOpengearAgent() {
    StartAgent("  kind: opengear\n  opengear: {ogcli: " + std::string(OGCLI_EMULATOR_PATH) +
                   ", config_db: " + db_.string() + ", login_proof: readback}\n",
               {{"OGCLI_EMULATOR_DB", db_.string()}});
  }
  nlohmann::json Db() const { return nlohmann::json::parse(ReadText(db_)); }
  std::string HttpsCert() const { return Db()["services"]["https"]["cert"]; }
  std::string AdminHash() const { return Db()["users"][1]["hashed_password"]; }
  size_t Snapshots() const {
    size_t n = 0;
    const fs::path work = dir_ / "agent" / "state" / "platform";
    if (!fs::exists(work)) return 0;
    for (const auto& e : fs::directory_iterator(work)) {
      n += e.path().filename().string().rfind("ngcs.db.snapshot", 0) == 0 ? 1 : 0;
    }
    return n;
  }
  std::string Violations() const { return ReadText(db_.string() + ".violations"); }

  fs::path db_;
};

TEST_F(OpengearTest, HttpsCertificateIsReplacedAndFinalizeDropsTheSnapshot) {
  StartOpengearAgent();
  auto s = RotateGnsi(leaf1_, "v1", /*finalize=*/false);
  EXPECT_EQ(HttpsCert(), leaf1_.cert_pem);
  EXPECT_EQ(Snapshots(), 1u);
  ASSERT_TRUE(s->Send(Finalize("gnsi")));
  ASSERT_TRUE(s->Finish().ok());
  EXPECT_EQ(HttpsCert(), leaf1_.cert_pem);
  EXPECT_EQ(Snapshots(), 0u);
  EXPECT_EQ(Violations(), "");
}

TEST_F(OpengearTest, DroppedStreamRestoresTheDatabaseSnapshot) {
  StartOpengearAgent();
  RotateGnsi(leaf1_, "v1", true);
  const std::string before = ReadText(db_);
  auto s = RotateGnsi(leaf2_, "v2", false);
  EXPECT_EQ(HttpsCert(), leaf2_.cert_pem);
  s.reset();
  auto stub = Certz();
  ASSERT_TRUE(WaitRotationIdle(*stub, "gnsi"));
  EXPECT_EQ(ReadText(db_), before);  // byte for byte
  EXPECT_EQ(Snapshots(), 0u);
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
    // Cancelled: the database goes back to its snapshot.
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
  EXPECT_EQ(Snapshots(), 0u);
  EXPECT_EQ(Violations(), "");
  EXPECT_EQ(agent_->Log().find("Rotated+pass1"), std::string::npos);
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
  // A failed HTTPS replacement is restored from the snapshot.
  std::ofstream(db_.string() + ".fail") << "replace services/https\n";
  {
    auto cstub = Certz();
    RotateStream s(*cstub);
    EXPECT_FALSE(
        s.Exchange(Upload("gnsi", {ChainEntity("v1", 1700000000, {leaf1_.cert_pem}, leaf1_.key_pem),
                                   TrustEntity("v1", 1700000000, {ca_.cert_pem})})));
    EXPECT_EQ(s.Finish().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  }
  EXPECT_EQ(ReadText(db_), before);
}

TEST_F(OpengearTest, TheEmulatorRefusesSecretsOnTheCommandLine) {
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
}

}  // namespace
}  // namespace rotagent::testing
