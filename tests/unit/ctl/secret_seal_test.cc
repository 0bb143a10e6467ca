#include "ctl/secret_seal.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ctl/secret_store.h"

namespace rotagent::ctl {
namespace {
namespace fs = std::filesystem;

class SecretSealTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("secret-seal-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(SecretSealTest, SealsAndBindsToItsPlace) {
  auto kek = Kek::LoadOrCreate(dir_ / "kek");
  ASSERT_TRUE(kek.ok()) << kek.status().message();
  EXPECT_EQ(fs::status(dir_ / "kek").permissions(), fs::perms::owner_read | fs::perms::owner_write);
  auto sealed = kek->Seal("Hunter2-secret", "a:1");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("Hunter2"), std::string::npos);
  EXPECT_EQ(*kek->Open(*sealed, "a:1"), "Hunter2-secret");
  EXPECT_EQ(kek->Open(*sealed, "a:2").status().code(), Code::kFailedPrecondition);
  std::string flipped = *sealed;
  flipped.back() ^= 1;
  EXPECT_EQ(kek->Open(flipped, "a:1").status().code(), Code::kFailedPrecondition);
  // The same key again from the file; another file's key does not open it.
  EXPECT_EQ(*Kek::LoadOrCreate(dir_ / "kek")->Open(*sealed, "a:1"), "Hunter2-secret");
  EXPECT_EQ(Kek::LoadOrCreate(dir_ / "kek2")->Open(*sealed, "a:1").status().code(),
            Code::kFailedPrecondition);
}

TEST_F(SecretSealTest, StoreKeepsNoPlaintextAndSealsLegacyFiles) {
  SecretStore store(dir_ / "secrets", dir_ / "kek");
  ASSERT_EQ(*store.AddGenerated("Admin"), 1);
  auto pw = store.Read("Admin", 1);
  ASSERT_TRUE(pw.ok());
  std::ifstream in(dir_ / "secrets" / "Admin" / "1", std::ios::binary);
  const std::string on_disk((std::istreambuf_iterator<char>(in)), {});
  EXPECT_TRUE(Kek::IsSealed(on_disk));
  EXPECT_EQ(on_disk.find(*pw), std::string::npos);
  // A plaintext version from an older rotctl is sealed in place when first read.
  std::ofstream(dir_ / "secrets" / "Admin" / "2") << "Legacy-plain-1";
  fs::permissions(dir_ / "secrets" / "Admin" / "2", fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(*store.Read("Admin", 2), "Legacy-plain-1");
  std::ifstream again(dir_ / "secrets" / "Admin" / "2", std::ios::binary);
  EXPECT_TRUE(Kek::IsSealed(std::string((std::istreambuf_iterator<char>(again)), {})));
  EXPECT_EQ(*store.Read("Admin", 2), "Legacy-plain-1");
  // Purge never takes the current version; an older one is gone with a record.
  EXPECT_EQ(store.Purge("Admin", 2, "test").code(), Code::kFailedPrecondition);
  ASSERT_TRUE(store.Purge("Admin", 1, "test").ok());
  EXPECT_FALSE(fs::exists(dir_ / "secrets" / "Admin" / "1"));
  EXPECT_EQ(store.Read("Admin", 1).status().code(), Code::kNotFound);
  EXPECT_EQ(*store.Versions("Admin"), std::vector<int>{2});
  EXPECT_TRUE(fs::exists(dir_ / "secrets" / "purges.log"));
}

}  // namespace
}  // namespace rotagent::ctl
