#include "agent/credentialz/password.h"

#include <gtest/gtest.h>

namespace rotagent::credentialz {
namespace {

const std::string kSha = "$6$saltsalt$" + std::string(86, 'A');
const std::string kMd5 = "$1$saltsalt$" + std::string(22, 'b');

TEST(CheckCryptHash, AcceptsWellFormedStringsOfTheDeclaredKind) {
  EXPECT_TRUE(CheckCryptHash(HashKind::kSha512, kSha, "a").ok());
  EXPECT_TRUE(
      CheckCryptHash(HashKind::kSha512, "$6$rounds=5000$salt$" + std::string(86, 'x'), "a").ok());
  EXPECT_TRUE(CheckCryptHash(HashKind::kMd5, kMd5, "a").ok());
  EXPECT_TRUE(CheckCryptHash(HashKind::kAny, kSha, "a").ok());
}

TEST(CheckCryptHash, RefusesEachMalformationWithItsOwnMessage) {
  const std::pair<std::string, std::string> bad[] = {
      {"", "is empty"},
      {"plain", "method prefix"},
      {"$6$salt$short", "not a crypt SHA-512"},
      {"$6$rounds=x$salt$" + std::string(86, 'x'), "rounds= field"},
      {"$6$salt$" + std::string(85, 'x') + ":", "not a crypt SHA-512"},
      {"$2b$10$abc", "uses method $2b$"},
  };
  for (const auto& [hash, message] : bad) {
    Status s = CheckCryptHash(HashKind::kAny, hash, "admin");
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << hash;
    EXPECT_NE(s.message().find(message), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("'admin'"), std::string::npos) << s.message();
  }
  EXPECT_NE(CheckCryptHash(HashKind::kMd5, kSha, "a").message().find("$1$"), std::string::npos);
  EXPECT_NE(CheckCryptHash(HashKind::kSha512, kMd5, "a").message().find("$6$"), std::string::npos);
}

TEST(HashPassword, UsesAStrongMethodAndVerifies) {
  auto h = HashPassword("correct horse");
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->rfind("$y$", 0) == 0 || h->rfind("$6$", 0) == 0) << *h;
  EXPECT_TRUE(CheckCryptHash(HashKind::kAny, *h, "a").ok());
  EXPECT_TRUE(PasswordMatches("correct horse", *h));
  EXPECT_FALSE(PasswordMatches("wrong horse", *h));
  auto again = HashPassword("correct horse");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*h, *again);  // a fresh salt every time
}

TEST(CheckPlaintext, NeverQuotesThePassword) {
  Status s = CheckPlaintext(std::string(600, 'p'), "admin");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message().find("ppp"), std::string::npos);
  EXPECT_EQ(CheckPlaintext(std::string("a\0b", 3), "admin").code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace rotagent::credentialz
