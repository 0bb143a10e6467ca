#include "agent/authz/policy.h"

#include <gtest/gtest.h>

#include "agent/authz/authorizer.h"

namespace rotagent::authz {
namespace {

TEST(PolicyTest, DenyWinsThenAllowThenDefaultDeny) {
  auto p = ParsePolicy(R"({"name": "p",
    "deny_rules": [{"name": "d", "source": {"principals": ["CN=eve"]}}],
    "allow_rules": [{"name": "a", "source": {"principals": ["CN=eve", "URI=spiffe://x/*"]},
                     "request": {"paths": ["/gnmi.gNMI/*"]}}]})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(Evaluate(*p, {"CN=eve"}, "/gnmi.gNMI/Get").rule, "d");
  EXPECT_FALSE(Evaluate(*p, {"CN=eve"}, "/gnmi.gNMI/Get").allowed);
  const Decision ok = Evaluate(*p, {"CN=bob", "URI=spiffe://x/ctl"}, "/gnmi.gNMI/Get");
  EXPECT_TRUE(ok.allowed);
  EXPECT_EQ(ok.rule, "a");
  EXPECT_FALSE(Evaluate(*p, {"URI=spiffe://x/ctl"}, "/gnsi.certz.v1.Certz/Rotate").allowed);
  EXPECT_FALSE(Evaluate(*p, {"URI=spiffe://y/ctl"}, "/gnmi.gNMI/Get").allowed);
}

TEST(PolicyTest, MatchersAreExactPrefixSuffixOrAny) {
  EXPECT_TRUE((Matcher{Matcher::Kind::kExact, "ab"}.Matches("ab")));
  EXPECT_FALSE((Matcher{Matcher::Kind::kExact, "ab"}.Matches("abc")));
  EXPECT_TRUE((Matcher{Matcher::Kind::kPrefix, "ab"}.Matches("abc")));
  EXPECT_FALSE((Matcher{Matcher::Kind::kPrefix, "ab"}.Matches("a")));
  EXPECT_TRUE((Matcher{Matcher::Kind::kSuffix, "bc"}.Matches("abc")));
  EXPECT_FALSE((Matcher{Matcher::Kind::kSuffix, "bc"}.Matches("c")));
  EXPECT_TRUE((Matcher{Matcher::Kind::kAny, ""}.Matches("")));
}

// The factory policy built from config answers exactly as the config's authorization did.
TEST(PolicyTest, FactoryPolicyRoundTripsThroughJson) {
  const Policy f = FactoryPolicy({{"/gnmi.gNMI/*", {"CN=admin"}},
                                  {"/gnmi.gNMI/Get", {"*"}},
                                  {"gnsi.certz.v1.Certz", {"CN=legacy"}},
                                  {"/gnmi.gNMI/Set", {}}});
  auto again = ParsePolicy(ToJson(f));
  ASSERT_TRUE(again.ok()) << again.status().message() << "\n" << ToJson(f);
  for (const Policy* p : {&f, static_cast<const Policy*>(&*again)}) {
    EXPECT_TRUE(Evaluate(*p, {"CN=admin"}, "/gnmi.gNMI/Set").allowed);
    EXPECT_TRUE(Evaluate(*p, {}, "/gnmi.gNMI/Get").allowed);
    EXPECT_FALSE(Evaluate(*p, {"CN=x"}, "/gnmi.gNMI/Set").allowed);
    EXPECT_TRUE(Evaluate(*p, {"CN=legacy"}, "/gnsi.certz.v1.Certz/Rotate").allowed);
    EXPECT_FALSE(Evaluate(*p, {"CN=legacy"}, "/gnsi.certz.v1.CertzX/Rotate").allowed);
  }
}

TEST(PolicyTest, StrictParsingNamesTheProblem) {
  for (const auto& [json, want] : std::vector<std::pair<std::string, std::string>>{
           {R"({"name": "p", "allow_rules": [{"name": "r", "source": {"principals": ["a*b"]}}]})",
            "allow_rules[0].source.principals[0] has '*' other than"},
           {R"({"name": "p", "allow_rules": [{"name": "r", "request": {"paths": ["gnmi*"]}}]})",
            "allow_rules[0].request.paths[0] is not a method path"},
           {R"({"name": "p", "allow_rules": [{"name": "r", "extra": 1}]})",
            "allow_rules[0] has unknown field 'extra'"},
           {R"({"name": "", "allow_rules": []})", "name is empty"},
           {R"({"name": "p", "allow_rules": [{"name": "r", "source": {"principals": ["CN=\n"]}}]})",
            "principals[0]"},
       }) {
    auto p = ParsePolicy(json);
    ASSERT_FALSE(p.ok()) << json;
    EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
    EXPECT_NE(p.status().message().find(want), std::string::npos) << p.status().message();
  }
}

TEST(PolicyTest, CountersCountEveryDecisionOfTheirAuthorizer) {
  auto counters = std::make_shared<RpcCounters>();
  Authorizer a(FactoryPolicy({{"/gnmi.gNMI/Get", {"*"}}}), "", counters);
  EXPECT_EQ(a.Check("/gnmi.gNMI/Get", "").code(), Code::kUnauthenticated);
  const auto snap = counters->Snapshot();
  ASSERT_EQ(snap.count("/gnmi.gNMI/Get"), 1u);
  EXPECT_EQ(snap.at("/gnmi.gNMI/Get").rejects, 1u);
  EXPECT_EQ(snap.at("/gnmi.gNMI/Get").accepts, 0u);
  EXPECT_GT(snap.at("/gnmi.gNMI/Get").last_reject_ns, 0);
}

}  // namespace
}  // namespace rotagent::authz
