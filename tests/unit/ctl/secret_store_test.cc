#include "ctl/secret_store.h"

#include <crypt.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

namespace rotagent::ctl {
namespace {
namespace fs = std::filesystem;

TEST(GeneratePassword, HasEveryClassAndDiffersEachTime) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string p = GeneratePassword();
    ASSERT_EQ(p.size(), 24u);
    EXPECT_NE(p.find_first_of("ABCDEFGHJKLMNPQRSTUVWXYZ"), std::string::npos) << p;
    EXPECT_NE(p.find_first_of("abcdefghijkmnopqrstuvwxyz"), std::string::npos) << p;
    EXPECT_NE(p.find_first_of("23456789"), std::string::npos) << p;
    EXPECT_NE(p.find_first_of("!#%+-.:=@^_~"), std::string::npos) << p;
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(Sha512Crypt, VerifiesAndSaltsEachHash) {
  auto a = Sha512Crypt("s3cret!");
  auto b = Sha512Crypt("s3cret!");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->rfind("$6$", 0), 0u);
  EXPECT_NE(*a, *b);
  crypt_data data{};
  EXPECT_EQ(std::string(crypt_r("s3cret!", a->c_str(), &data)), *a);
  EXPECT_NE(std::string(crypt_r("other", a->c_str(), &data)), *a);
}

TEST(VersionLabel, RoundTripsAndRejectsForeignLabels) {
  EXPECT_EQ(VersionLabel(7), "v7");
  EXPECT_EQ(ParseVersionLabel("v7"), 7);
  for (const char* bad : {"", "v", "v0", "7", "v7a", "x7", "v-1"}) {
    EXPECT_EQ(ParseVersionLabel(bad), 0) << bad;
  }
}

TEST(SecretStore, VersionsGrowInPrivateFiles) {
  const fs::path dir = fs::temp_directory_path() / ("secret-store-" + std::to_string(getpid()));
  fs::remove_all(dir);
  SecretStore store(dir);
  EXPECT_EQ(*store.Current("Admin"), 0);
  EXPECT_EQ(*store.AddGenerated("Admin"), 1);
  EXPECT_EQ(*store.AddGenerated("Admin"), 2);
  EXPECT_EQ(*store.Current("Admin"), 2);
  EXPECT_EQ(*store.Current("Other"), 0);
  auto one = store.Read("Admin", 1);
  auto two = store.Read("Admin", 2);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_NE(*one, *two);
  EXPECT_EQ(fs::status(dir / "Admin" / "1").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(fs::status(dir / "Admin").permissions(), fs::perms::owner_all);
  auto missing = store.Read("Admin", 3);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no version 3 of password profile Admin"),
            std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rotagent::ctl
