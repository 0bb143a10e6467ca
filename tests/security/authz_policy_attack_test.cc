// Attacks on gNSI authz policies against the real agent: identities that are prefixes of or
// look like another's, globs, empty and ambiguous policies, oversized and deeply nested ones,
// duplicate keys, and reading the policy through Probe without the right to.
#include <string>

#include "tests/integration/authz/authz_fixture.h"

namespace rotagent::testing {
namespace {

using grpc::StatusCode;

constexpr const char* kList = "/gnsi.certz.v1.Certz/GetProfileList";

class AuthzPolicyAttackTest : public AuthzTest {};

TEST_F(AuthzPolicyAttackTest, PrincipalMatchesExactlyAndOnlyItsOwnType) {
  StartAgent();
  // A DNS SAN spelled like the allowed CN, and a CN that is a prefix of the allowed one.
  auto dns_spoof = MakeLeafWithRawNames(ca_a_, {"mallory"}, {"CN=alice"});
  auto prefix = MakeLeaf(ca_a_, "alic");
  ASSERT_TRUE(Rotate(PolicyWith(R"({"name": "alice-lists", "source": {"principals": ["CN=alice"]},
                                    "request": {"paths": ["/gnsi.certz.v1.Certz/GetProfileList"]}})"),
                     "exact-1")
                  .ok());
  EXPECT_TRUE(Call(alice_, kList).ok());
  for (const Identity* attacker : {&alice_evil_, &prefix, &dns_spoof}) {
    grpc::Status s = Call(*attacker, kList);
    EXPECT_EQ(s.error_code(), StatusCode::PERMISSION_DENIED) << s.error_message();
  }
  EXPECT_EQ(Probe("CN=alice-evil", kList), authzpb::ACTION_DENY);
  EXPECT_EQ(Probe("DNS=CN=alice", kList), authzpb::ACTION_DENY);
  EXPECT_EQ(Probe("CN=alic", kList), authzpb::ACTION_DENY);
}

TEST_F(AuthzPolicyAttackTest, ServiceGlobCoversThatServiceOnlyAndAMiddleStarIsRefused) {
  StartAgent();
  ASSERT_TRUE(
      Rotate(PolicyWith(R"({"name": "alice-authz-read", "source": {"principals": ["CN=alice"]},
                                    "request": {"paths": ["/gnsi.authz.v1.Authz/*"]}})"),
             "glob-1")
          .ok());
  EXPECT_TRUE(Call(alice_, "/gnsi.authz.v1.Authz/Get").ok());
  for (const char* other :
       {"/gnmi.gNMI/Capabilities", kList, "/gnsi.credentialz.v1.Credentialz/CanGenerateKey"}) {
    EXPECT_EQ(Call(alice_, other).error_code(), StatusCode::PERMISSION_DENIED) << other;
  }
  // Paths are case-sensitive, and '*' is only a leading or trailing wildcard.
  EXPECT_EQ(Probe("CN=alice", "/GNSI.AUTHZ.V1.AUTHZ/Get"), authzpb::ACTION_DENY);
  grpc::Status middle = Rotate(
      PolicyWith(R"({"name": "m", "request": {"paths": ["/gnsi.*.v1.Certz/Rotate"]}})"), "glob-2");
  EXPECT_EQ(middle.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(middle.error_message().find("'*' other than as its first or last character"),
            std::string::npos)
      << middle.error_message();
  EXPECT_EQ(GetPolicy().version(), "glob-1");
}

TEST_F(AuthzPolicyAttackTest, EmptyAndAmbiguousPoliciesAreRefused) {
  StartAgent();
  const std::vector<std::tuple<std::string, StatusCode, std::string>> cases = {
      {"", StatusCode::INVALID_ARGUMENT, "policy is empty"},
      {"{}", StatusCode::INVALID_ARGUMENT, "name is missing"},
      {"null", StatusCode::INVALID_ARGUMENT, "policy must be an object"},
      // An empty list would mean "anyone" to gRPC; whoever wrote it meant "no one".
      {PolicyWith(R"({"name": "nobody?", "source": {"principals": []}})"),
       StatusCode::INVALID_ARGUMENT, "principals is empty"},
      {PolicyWith(R"({"name": "nothing?", "request": {"paths": []}})"),
       StatusCode::INVALID_ARGUMENT, "paths is empty"},
      {R"({"name": "p", "allow_rules": []})", StatusCode::FAILED_PRECONDITION, "would deny"},
      // The parser keeps the last of two equal keys; a reviewer may read the first.
      {R"({"name": "p", "allow_rules": [{"name": "admin", "source": {"principals": ["CN=admin"]}}],
          "allow_rules": [{"name": "everyone"}]})",
       StatusCode::INVALID_ARGUMENT, "field 'allow_rules' appears twice"},
      // A bare name matches no identity the agent reads.
      {PolicyWith(R"({"name": "bare", "source": {"principals": ["alice"]}})"),
       StatusCode::INVALID_ARGUMENT, "names no identity"},
      {PolicyWith(R"({"name": "nul", "source": {"principals": ["CN=alice\u0000evil"]}})"),
       StatusCode::INVALID_ARGUMENT, "principals[0]"},
  };
  for (const auto& [policy, code, want] : cases) {
    grpc::Status st = Rotate(policy, "ambiguous");
    EXPECT_EQ(st.error_code(), code) << policy << ": " << st.error_message();
    EXPECT_NE(st.error_message().find(want), std::string::npos)
        << policy << ": " << st.error_message();
  }
  EXPECT_EQ(GetPolicy().version(), "");
  EXPECT_EQ(Call(bob_, kList).error_code(), StatusCode::PERMISSION_DENIED);
}

TEST_F(AuthzPolicyAttackTest, OversizedAndDeeplyNestedPoliciesAreBounded) {
  StartAgent();
  // Over the byte bound, yet well under gRPC's message limit: the agent's own check answers.
  std::string padding(300 * 1024, ' ');
  grpc::Status big = Rotate(PolicyWith("") + padding, "big");
  EXPECT_EQ(big.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(big.error_message().find("bytes; at most 262144 are accepted"), std::string::npos)
      << big.error_message();
  // Small in bytes, large in rules: every call would walk them all.
  std::string rules;
  for (int i = 0; i < 1001; ++i) rules += (i ? "," : "") + std::string(R"({"name":"r"})");
  grpc::Status many = Rotate(PolicyWith(rules), "many");
  EXPECT_EQ(many.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(many.error_message().find("more than 1000 rules"), std::string::npos)
      << many.error_message();
  // 100,000 levels of nesting would exhaust a recursive parser's stack.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  grpc::Status nested = Rotate(deep, "deep");
  EXPECT_EQ(nested.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(nested.error_message().find("nested deeper than 8 levels"), std::string::npos)
      << nested.error_message();
  // The agent is still up and unchanged.
  EXPECT_EQ(GetPolicy().version(), "");
  EXPECT_TRUE(Call(alice_, kList).ok());
}

TEST_F(AuthzPolicyAttackTest, OnlyAuthorizedClientsProbeGetOrRotate) {
  StartAgent();
  for (const char* rpc : {"/gnsi.authz.v1.Authz/Probe", "/gnsi.authz.v1.Authz/Get"}) {
    grpc::Status s = Call(alice_, rpc);
    EXPECT_EQ(s.error_code(), StatusCode::PERMISSION_DENIED) << rpc << ": " << s.error_message();
  }
  auto stub = Authz(alice_);
  PolicyStream s(*stub);
  EXPECT_FALSE(
      s.Upload("alice-takes-over", 1, R"({"name": "p", "allow_rules": [{"name": "all"}]})"));
  grpc::Status st = s.Finish();
  EXPECT_EQ(st.error_code(), StatusCode::PERMISSION_DENIED) << st.error_message();
  EXPECT_EQ(GetPolicy().version(), "");
}

}  // namespace
}  // namespace rotagent::testing
