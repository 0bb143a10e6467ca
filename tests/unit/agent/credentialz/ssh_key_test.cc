#include "agent/credentialz/ssh_key.h"

#include <gtest/gtest.h>

namespace rotagent::credentialz {
namespace {

// ssh-keygen -t ed25519 public key (no secret half exists anywhere).
const std::string kEd = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const std::string kEdLine = "ssh-ed25519 " + kEd;
// base64("ssh-ed25519 AAAA...") as some clients double-encode it.
const std::string kEdLineTwice =
    "c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTVBQUFBSU9NcXFua1Z6cm0wU2RHNlVPb3FLTHNhYmdINUM5b2tXaT"
    "BkaDJsOUdLSmw=";

TEST(ParsePublicKey, AcceptsEveryEncodingControllersSend) {
  for (const std::string& form : {kEd, kEdLine, kEdLine + " ops@lab\n", kEdLineTwice}) {
    auto k = ParsePublicKey(form, "key");
    ASSERT_TRUE(k.ok()) << form << ": " << k.status().message();
    EXPECT_EQ(k->Line(), kEdLine);
    EXPECT_TRUE(CheckKind(*k, KeyKind::kEd25519, "key").ok());
  }
}

TEST(ParsePublicKey, RefusesWhatIsNotAKey) {
  for (const std::string& bad : {std::string("not-a-key"), std::string("ssh-rsa " + kEd),
                                 std::string("AAAA"), std::string()}) {
    EXPECT_EQ(ParsePublicKey(bad, "authorized key 1").status().code(), Code::kInvalidArgument)
        << bad;
  }
}

TEST(CheckKind, NamesBothTheKeyAndTheDeclaredType) {
  auto k = ParsePublicKey(kEd, "key");
  ASSERT_TRUE(k.ok());
  Status s = CheckKind(*k, KeyKind::kRsa2048, "authorized key 2");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "authorized key 2 is ssh-ed25519 but key_type says RSA 2048");
}

TEST(RenderOptions, QuotesValuesAndRefusesUnknownOrBrokenOnes) {
  auto ok = RenderOptions(
      {{"from", "10.0.0.0/8, 192.0.2.1"}, {"no-pty", ""}, {"command", "echo 'hi, #1'"}}, "k");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "from=\"10.0.0.0/8, 192.0.2.1\",no-pty,command=\"echo 'hi, #1'\"");
  EXPECT_EQ(RenderOptions({{"make-coffee", ""}}, "k").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(RenderOptions({{"no-pty", "x"}}, "k").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(RenderOptions({{"from", ""}}, "k").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(RenderOptions({{"command", "a\nb"}}, "k").status().code(), Code::kInvalidArgument);
}

TEST(RenderOptions, RefusesWhatOpenSshCannotReadBackExactly) {
  // OpenSSH unescapes only \" in a quoted value: a trailing '\' swallows the closing quote.
  for (const std::string v :
       std::vector<std::string>{"10.0.0.1\\", "a\\b", "say \"hi\"", "\\\"", "a\rb", "a\tb",
                                std::string("a\0b", 3), "a\x7f"}) {
    auto s = RenderOptions({{"no-pty", ""}, {"environment", v}}, "authorized key 1");
    EXPECT_EQ(s.status().code(), Code::kInvalidArgument) << v;
    EXPECT_EQ(s.status().message(),
              "authorized key 1: option 'environment' value holds a '\"', a '\\' or a control "
              "character");
  }
}

TEST(RenderAuthorizedKeys, RefusesDescriptionsThatCouldCloseAQuoteOrALine) {
  auto k = ParsePublicKey(kEd, "key");
  ASSERT_TRUE(k.ok());
  for (const std::string d :
       {"x\" ssh-ed25519 AAAA", "ops\nssh-ed25519 AAAA", "ops\r", "\x1b[2J"}) {
    auto s = RenderAuthorizedKeys({{*k, {}, d}}, "admin");
    EXPECT_EQ(s.status().code(), Code::kInvalidArgument) << d;
    EXPECT_EQ(s.status().message(),
              "authorized key 1 of account 'admin': description holds a '\"' or a control "
              "character");
  }
  // Spaces, '#', quotes of the other kind and backslashes are only comment text.
  auto fine = RenderAuthorizedKeys({{*k, {}, "ops #1, it's \\ fine"}}, "admin");
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(*fine, kEdLine + " ops #1, it's \\ fine\n");
}

TEST(RenderAuthorizedKeys, OneLinePerKeyAndEmptyClears) {
  auto k = ParsePublicKey(kEd, "key");
  ASSERT_TRUE(k.ok());
  auto text = RenderAuthorizedKeys({{*k, {{"restrict", ""}}, "ops"}}, "admin");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "restrict " + kEdLine + " ops\n");
  EXPECT_EQ(*RenderAuthorizedKeys({}, "admin"), "");
  EXPECT_EQ(*RenderPrincipals({{"netops", {}}}, "admin"), "netops\n");
  EXPECT_EQ(RenderPrincipals({{"net ops", {}}}, "admin").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(RenderPrincipals({{"net\"ops", {}}}, "admin").status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace rotagent::credentialz
