// The credentialz engine against a platform in memory: what reaches the box, what a failed
// apply leaves there, and what a platform without a capability answers.
#include "agent/credentialz/engine.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "agent/credentialz/password.h"
#include "tests/support/fake_platform.h"
#include "tests/support/test_dir.h"

namespace rotagent::credentialz {
namespace {
namespace fs = std::filesystem;
using testing::FakePlatform;

constexpr const char* kOldHash = "$6$oldsalt$old";
constexpr const char* kNewPassword = "Tr0ub4dor&3-correct-horse";

class CredentialzEngineTest : public ::testing::Test {
 protected:
  void Start(FakePlatform::Capabilities caps = {}) {
    box_ = std::make_unique<FakePlatform>(caps);
    box_->accounts["alice"].password_hash = kOldHash;
    box_->accounts["bob"].password_hash = kOldHash;
    accounts_ = std::make_unique<store::SlotStore>(dir_ / "accounts", "account");
    ssh_ = std::make_unique<store::SlotStore>(dir_ / "ssh", "ssh item");
    journal_ = std::make_unique<store::Journal>(dir_ / "journal");
    ASSERT_TRUE(accounts_->Init().ok() && ssh_->Init().ok() && journal_->Init().ok());
    engine_ = std::make_unique<Engine>(*box_, *accounts_, *ssh_, *journal_, domains_,
                                       Settings{{{"alice", "admin"}, {"bob", "operator"}}, {}});
    domains_[kAccountsDomain] = {accounts_.get(), &engine_->account_applier()};
    domains_[kSshDomain] = {ssh_.get(), &engine_->ssh_applier()};
  }

  static std::vector<PasswordUpdate> Passwords(const std::vector<std::string>& names) {
    std::vector<PasswordUpdate> out;
    for (const auto& n : names) {
      out.push_back(
          {.account = n, .plaintext = true, .secret = Secret(kNewPassword), .meta = {"v1"}});
    }
    return out;
  }
  std::string HashOf(const std::string& account) {
    return box_->accounts.at(account).password_hash.value_or("");
  }
  bool Called(const std::string& call) {
    return std::find(box_->calls.begin(), box_->calls.end(), call) != box_->calls.end();
  }

  testing::TestDir dir_{"credz-engine"};
  std::unique_ptr<FakePlatform> box_;
  std::unique_ptr<store::SlotStore> accounts_, ssh_;
  std::unique_ptr<store::Journal> journal_;
  txn::Domains domains_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(CredentialzEngineTest, PasswordReachesTheBoxProvenAndCommitted) {
  Start();
  auto rotation = engine_->Begin("RotateAccountCredentials");
  ASSERT_TRUE(rotation.ok()) << rotation.status().message();
  auto updates = Passwords({"alice"});
  ASSERT_TRUE((*rotation)->SetPasswords(updates, false).ok());
  EXPECT_NE(HashOf("alice"), kOldHash);
  EXPECT_TRUE(PasswordMatches(kNewPassword, HashOf("alice")));
  ASSERT_TRUE((*rotation)->Finalize().ok());
  EXPECT_TRUE(Called("CommitAccount alice"));
  rotation->reset();
  EXPECT_TRUE(PasswordMatches(kNewPassword, HashOf("alice")));  // kept after the stream ends
}

TEST_F(CredentialzEngineTest, FailedApplyRollsBackWhatWasAlreadyStaged) {
  Start();
  box_->fail_stage = {"bob"};
  auto rotation = engine_->Begin("RotateAccountCredentials");
  ASSERT_TRUE(rotation.ok());
  auto updates = Passwords({"alice", "bob"});
  Status s = (*rotation)->SetPasswords(updates, false);
  EXPECT_EQ(s.code(), Code::kInternal) << s.message();
  EXPECT_NE(s.message().find("fake box refused to stage bob"), std::string::npos) << s.message();
  rotation->reset();  // the stream ends without Finalize
  EXPECT_TRUE(Called("StageAccount alice"));
  EXPECT_TRUE(Called("RestoreAccount alice"));
  EXPECT_EQ(HashOf("alice"), kOldHash);
  EXPECT_EQ(HashOf("bob"), kOldHash);
  EXPECT_FALSE(Called("CommitAccount alice"));
}

TEST_F(CredentialzEngineTest, UnfinalizedHostChangeIsRestored) {
  Start();
  auto rotation = engine_->Begin(kRotateHostRpc);
  ASSERT_TRUE(rotation.ok()) << rotation.status().message();
  ASSERT_TRUE((*rotation)->SetAuthMethods({"publickey"}).ok());
  ASSERT_TRUE(box_->ssh_host.has_value());
  EXPECT_EQ(box_->ssh_host->auth_methods, std::vector<std::string>{"publickey"});
  rotation->reset();
  EXPECT_TRUE(Called("RestoreSshHost host"));
  EXPECT_FALSE(box_->ssh_host.has_value());  // the box's own configuration again
}

TEST_F(CredentialzEngineTest, PlatformWithoutAccountsAnswersUnimplemented) {
  Start({.accounts = false, .ssh_host = true});
  auto rotation = engine_->Begin("RotateAccountCredentials");
  ASSERT_FALSE(rotation.ok());
  EXPECT_EQ(rotation.status().code(), Code::kUnimplemented);
  EXPECT_NE(rotation.status().message().find("platform 'fake' has no account capability"),
            std::string::npos)
      << rotation.status().message();
  EXPECT_TRUE(box_->calls.empty());
  // The SSH server it does manage still rotates.
  EXPECT_TRUE(engine_->Begin(kRotateHostRpc).ok());
}

TEST_F(CredentialzEngineTest, PlatformWithoutSshHostAnswersUnimplemented) {
  Start({.accounts = true, .ssh_host = false});
  auto rotation = engine_->Begin(kRotateHostRpc);
  ASSERT_FALSE(rotation.ok());
  EXPECT_EQ(rotation.status().code(), Code::kUnimplemented);
  EXPECT_NE(rotation.status().message().find("platform 'fake' has no SSH host capability"),
            std::string::npos)
      << rotation.status().message();
  auto keys = engine_->PublicKeys();
  EXPECT_EQ(keys.status().code(), Code::kUnimplemented);
  EXPECT_TRUE(engine_->Begin("RotateAccountCredentials").ok());
}

}  // namespace
}  // namespace rotagent::credentialz
