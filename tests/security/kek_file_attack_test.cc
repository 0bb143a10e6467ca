// The secret store's key-encryption key is refused when anyone but rotctl's user could have read
// or replaced it: group/other access, another owner, a symlink, a truncated file. Each refusal
// names the file and the problem, never the key, and nothing is sealed or opened with it.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ctl/secret_seal.h"
#include "ctl/secret_store.h"

namespace rotagent::ctl {
namespace {
namespace fs = std::filesystem;

class KekFileAttack : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kek-attack-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_TRUE(Kek::LoadOrCreate(kek_).ok());
    SecretStore store(dir_ / "secrets", kek_);
    ASSERT_EQ(*store.AddGenerated("Admin"), 1);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void ExpectRefused(const std::string& why) {
    auto k = Kek::Load(kek_);
    ASSERT_FALSE(k.ok());
    EXPECT_EQ(k.status().code(), Code::kFailedPrecondition);
    EXPECT_NE(k.status().message().find(kek_.string()), std::string::npos);
    EXPECT_NE(k.status().message().find(why), std::string::npos) << k.status().message();
    SecretStore store(dir_ / "secrets", kek_);
    EXPECT_FALSE(store.Read("Admin", 1).ok());
    EXPECT_FALSE(store.AddGenerated("Admin").ok());
    EXPECT_EQ(*store.Current("Admin"), 1);
  }
  fs::path dir_;
  fs::path kek_ =
      fs::temp_directory_path() / ("kek-attack-" + std::to_string(getpid())) / "secrets.kek";
};

TEST_F(KekFileAttack, GroupOrWorldReadableKeyIsRefused) {
  chmod(kek_.c_str(), 0640);
  ExpectRefused("accessible to group or others");
  chmod(kek_.c_str(), 0604);
  ExpectRefused("accessible to group or others");
}

TEST_F(KekFileAttack, KeyOwnedByAnotherUserIsRefused) {
  ASSERT_EQ(chown(kek_.c_str(), 65534, 65534), 0);  // as root: handed to nobody
  ExpectRefused("owned by another user");
}

TEST_F(KekFileAttack, SymlinkedKeyIsRefused) {
  fs::rename(kek_, dir_ / "elsewhere.kek");
  fs::create_symlink(dir_ / "elsewhere.kek", kek_);
  ExpectRefused("symbolic link");
}

TEST_F(KekFileAttack, TruncatedKeyIsRefused) {
  fs::resize_file(kek_, 16);
  ExpectRefused("exactly 32 bytes");
}

}  // namespace
}  // namespace rotagent::ctl
