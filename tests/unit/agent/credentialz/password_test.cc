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
  HashPolicy md5_allowed;
  md5_allowed.md5crypt = true;
  EXPECT_TRUE(CheckCryptHash(HashKind::kMd5, kMd5, "a", md5_allowed).ok());
  EXPECT_TRUE(CheckCryptHash(HashKind::kAny, kSha, "a").ok());
}

TEST(CheckCryptHash, ThePolicyRefusesWeakAndRuinouslyDearHashes) {
  const std::string digest86(86, 'A'), digest43(43, 'A');
  struct Case {
    std::string hash;
    HashPolicy policy;
    std::string rule;  // empty: accepted
  };
  HashPolicy no_sha;
  no_sha.sha512crypt = false;
  HashPolicy no_yes;
  no_yes.yescrypt = false;
  HashPolicy cheap;
  cheap.max_sha512_rounds = 5000;
  cheap.max_yescrypt_cost = 5;
  const Case cases[] = {
      {kMd5, {}, "uses md5crypt ($1$), which credentialz.password_hash_policy.allowed_methods"},
      {kSha, no_sha, "uses sha512crypt ($6$), which credentialz.password_hash_policy"},
      {"$y$j9T$salt$" + digest43, no_yes, "uses yescrypt ($y$), which credentialz"},
      {"$6$rounds=9999999999$salt$" + digest86,
       {},
       "above credentialz.password_hash_policy."
       "max_sha512_rounds (1000000)"},
      {"$6$rounds=1000001$salt$" + digest86, {}, "max_sha512_rounds (1000000)"},
      {"$6$rounds=1000000$salt$" + digest86, {}, ""},
      {"$6$rounds=5001$salt$" + digest86, cheap, "max_sha512_rounds (5000)"},
      {"$6$rounds=5000$salt$" + digest86, cheap, ""},
      // j9T is libxcrypt's default (cost 5: N = 2^12); jAT is cost 6, jFT cost 11.
      {"$y$j9T$salt$" + digest43, {}, ""},
      {"$y$jAT$salt$" + digest43, cheap, "max_yescrypt_cost (5)"},
      {"$y$jCT$salt$" + digest43, {}, ""},
      {"$y$jDT$salt$" + digest43, {}, "max_yescrypt_cost (8)"},
      {"$y$jFT$salt$" + digest43, {}, "max_yescrypt_cost (8)"},
  };
  for (const auto& c : cases) {
    Status s = CheckCryptHash(HashKind::kAny, c.hash, "admin", c.policy);
    if (c.rule.empty()) {
      EXPECT_TRUE(s.ok()) << c.hash << ": " << s.message();
      continue;
    }
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << c.hash;
    EXPECT_NE(s.message().find(c.rule), std::string::npos) << c.hash << ": " << s.message();
    EXPECT_NE(s.message().find("'admin'"), std::string::npos) << s.message();
  }
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
