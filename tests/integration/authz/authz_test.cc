// gNSI authz against the real agent over real TLS: a rotated policy is enforced for new calls
// from the moment it is staged, rolls back when its stream ends without Finalize, survives a
// restart once finalized; Probe answers what real calls get; counters and version over gNMI.
#include <chrono>

#include "tests/integration/authz/authz_fixture.h"
#include "tests/support/gnmi_client.h"

namespace rotagent::testing {
namespace {

using grpc::StatusCode;

constexpr const char* kCaps = "/gnmi.gNMI/Capabilities";
constexpr const char* kList = "/gnsi.certz.v1.Certz/GetProfileList";

// alice: gNMI Capabilities yes, certz GetProfileList no (deny wins over the factory's allow).
std::string AliceCapsPolicy() {
  return AuthzTest::PolicyWith(
      R"({"name": "alice-caps", "source": {"principals": ["CN=alice"]},
          "request": {"paths": ["/gnmi.gNMI/Capabilities", "/gnsi.certz.v1.Certz/*"]}})",
      R"({"name": "no-listing", "source": {"principals": ["CN=alice"]},
          "request": {"paths": ["/gnsi.certz.v1.Certz/GetProfileList"]}})");
}

TEST_F(AuthzTest, DenyThenAllowByRotationEnforcedFromStaging) {
  StartAgent();
  // Factory policy: alice may list profiles, not call gNMI.
  EXPECT_TRUE(Call(alice_, kList).ok());
  grpc::Status denied = Call(alice_, kCaps);
  EXPECT_EQ(denied.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_NE(denied.error_message().find("see authorization in the agent config"), std::string::npos)
      << denied.error_message();

  auto stub = Authz(admin_);
  PolicyStream s(*stub);
  ASSERT_TRUE(s.Upload("policy-1", 1700000001, AliceCapsPolicy())) << s.Finish().error_message();
  // Staged, not finalized: new calls already meet it.
  EXPECT_TRUE(Call(alice_, kCaps).ok());
  grpc::Status listing = Call(alice_, kList);
  EXPECT_EQ(listing.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_NE(listing.error_message().find("policy version 'policy-1' (deny rule 'no-listing')"),
            std::string::npos)
      << listing.error_message();
  ASSERT_TRUE(s.SendFinalize());
  grpc::Status fin = s.Finish();
  ASSERT_TRUE(fin.ok()) << fin.error_message();

  EXPECT_TRUE(Call(alice_, kCaps).ok());
  EXPECT_EQ(Call(alice_, kList).error_code(), StatusCode::PERMISSION_DENIED);
  authzpb::GetResponse got = GetPolicy();
  EXPECT_EQ(got.version(), "policy-1");
  EXPECT_EQ(got.created_on(), 1700000001u);
  EXPECT_EQ(got.policy(), AliceCapsPolicy());
}

TEST_F(AuthzTest, StreamEndWithoutFinalizeRollsBack) {
  StartAgent();
  const std::string factory = GetPolicy().policy();
  {  // Half-close: the agent answers only after the rollback.
    auto stub = Authz(admin_);
    PolicyStream s(*stub);
    ASSERT_TRUE(s.Upload("dropped-1", 1, AliceCapsPolicy()));
    EXPECT_TRUE(Call(alice_, kCaps).ok());
    grpc::Status st = s.Finish();
    EXPECT_EQ(st.error_code(), StatusCode::ABORTED);
    EXPECT_EQ(st.error_message(),
              "stream ended before finalize_rotation; the previous policy is back in force");
    EXPECT_EQ(Call(alice_, kCaps).error_code(), StatusCode::PERMISSION_DENIED);
    EXPECT_TRUE(Call(alice_, kList).ok());
  }
  {  // Cancel: the next Rotate is admitted only once that rollback has finished.
    auto stub = Authz(admin_);
    PolicyStream s(*stub);
    ASSERT_TRUE(s.Upload("dropped-2", 1, AliceCapsPolicy()));
    EXPECT_TRUE(Call(alice_, kCaps).ok());
    s.Cancel();
    auto next_stub = Authz(admin_);
    PolicyStream next(*next_stub);
    EXPECT_FALSE(next.Upload("bad", 1, "not json"));
    EXPECT_EQ(next.Finish().error_code(), StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(Call(alice_, kCaps).error_code(), StatusCode::PERMISSION_DENIED);
  }
  authzpb::GetResponse got = GetPolicy();
  EXPECT_EQ(got.version(), "");
  EXPECT_EQ(got.policy(), factory);
  EXPECT_NE(agent_->Log().find("authz Rotate"), std::string::npos);
}

TEST_F(AuthzTest, ConfirmTimeoutRollsBack) {
  extra_config_ = "authz: {confirm_timeout: 2}\n";
  StartAgent();
  auto stub = Authz(admin_);
  PolicyStream s(*stub);
  ASSERT_TRUE(s.Upload("slow", 1, AliceCapsPolicy()));
  // No Finalize, no half-close: the agent ends the stream itself (it cancels the call, so the
  // client sees CANCELLED) and rolls back.
  grpc::Status st = s.AwaitEnd();
  EXPECT_EQ(st.error_code(), StatusCode::CANCELLED) << st.error_message();
  auto next_stub = Authz(admin_);
  PolicyStream next(*next_stub);  // admitted once that rollback has finished
  EXPECT_FALSE(next.Upload("bad", 1, "not json"));
  EXPECT_EQ(next.Finish().error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(agent_->Log().find("authz Rotate ended: no finalize within the confirm timeout"),
            std::string::npos);
  EXPECT_EQ(Call(alice_, kCaps).error_code(), StatusCode::PERMISSION_DENIED);
}

TEST_F(AuthzTest, SecondRotateWhileOneIsOpenIsUnavailable) {
  StartAgent();
  auto stub = Authz(admin_);
  PolicyStream first(*stub);
  ASSERT_TRUE(first.Upload("first", 1, AliceCapsPolicy()));
  auto other = Authz(admin_);
  PolicyStream second(*other);
  EXPECT_FALSE(second.Upload("second", 1, AliceCapsPolicy()));
  grpc::Status st = second.Finish();
  EXPECT_EQ(st.error_code(), StatusCode::UNAVAILABLE) << st.error_message();
  EXPECT_NE(st.error_message().find("another authz Rotate is in progress"), std::string::npos);
  ASSERT_TRUE(first.SendFinalize());
  EXPECT_TRUE(first.Finish().ok());
  EXPECT_EQ(GetPolicy().version(), "first");
}

TEST_F(AuthzTest, ProbeAgreesWithRealCallsForEveryUserAndRpc) {
  StartAgent();
  const std::vector<std::pair<const Identity*, std::string>> users = {
      {&admin_, "CN=admin"},
      {&alice_, "CN=alice"},
      {&alice_evil_, "CN=alice-evil"},
      {&bob_, "CN=bob"},
      {&stranger_, "CN=stranger"}};
  const auto check_all = [&](const std::string& when) {
    for (const auto& [who, user] : users) {
      for (const auto& rpc : Rpcs()) {
        const bool real = Call(*who, rpc).error_code() != StatusCode::PERMISSION_DENIED;
        const bool probed = Probe(user, rpc) == authzpb::ACTION_PERMIT;
        EXPECT_EQ(real, probed) << when << ": " << user << " calling " << rpc;
      }
    }
  };
  check_all("factory policy");
  // Prefix and suffix patterns, a deny rule, a rule without principals.
  ASSERT_TRUE(Rotate(PolicyWith(R"({"name": "alices", "source": {"principals": ["CN=alice*"]},
                                    "request": {"paths": ["/gnsi.certz.v1.Certz/*"]}},
                                   {"name": "anyone-caps",
                                    "request": {"paths": ["*/Capabilities"]}},
                                   {"name": "bob-authz-read",
                                    "source": {"principals": ["CN=bob"]},
                                    "request": {"paths": ["/gnsi.authz.v1.Authz/Get"]}})",
                                R"({"name": "evil-csr", "source": {"principals": ["*-evil"]},
                                    "request": {"paths": ["/gnsi.certz.v1.Certz/CanGenerateCSR"]}})"),
                     "probe-1")
                  .ok());
  check_all("rotated policy");
  // The policy decides the answer, not a default: these differ from the factory's.
  EXPECT_EQ(Probe("CN=bob", "/gnsi.authz.v1.Authz/Get"), authzpb::ACTION_PERMIT);
  EXPECT_EQ(Probe("CN=alice-evil", "/gnsi.certz.v1.Certz/CanGenerateCSR"), authzpb::ACTION_DENY);
  EXPECT_EQ(Probe("CN=alice", "/gnsi.certz.v1.Certz/CanGenerateCSR"), authzpb::ACTION_PERMIT);
}

TEST_F(AuthzTest, CountersAndPolicyVersionOverGnmi) {
  StartAgent();
  const std::string rpc_base =
      "/system/grpc-servers/grpc-server[name=rotagent]/"
      "authz-policy-counters/rpcs/rpc[name=/gnmi.gNMI/Capabilities]/state/";
  const auto before = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_EQ(Call(alice_, kCaps).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Call(bob_, kCaps).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Call(admin_, kCaps).ok());
  EXPECT_EQ(Leaf(rpc_base + "access-accepts"), "1");
  EXPECT_EQ(Leaf(rpc_base + "access-rejects"), "2");
  EXPECT_GE(std::stoll(Leaf(rpc_base + "last-access-reject")), before);
  EXPECT_GE(std::stoll(Leaf(rpc_base + "last-access-accept")),
            std::stoll(Leaf(rpc_base + "last-access-reject")));
  // No policy rotated in yet: no version to report.
  EXPECT_EQ(Leaf("/system/aaa/authorization/state/grpc-authz-policy-version"), "");

  ASSERT_TRUE(Rotate(AliceCapsPolicy(), "counted-1", 1700000002).ok());
  EXPECT_TRUE(Call(alice_, kCaps).ok());
  EXPECT_EQ(Leaf(rpc_base + "access-accepts"), "2");
  EXPECT_EQ(Leaf(rpc_base + "access-rejects"), "2");
  EXPECT_EQ(Leaf("/system/aaa/authorization/state/grpc-authz-policy-version"), "counted-1");
  const std::string created = Leaf("/system/aaa/authorization/state/grpc-authz-policy-created-on");
  EXPECT_TRUE(created == "1700000002" || created == "1700000002000000000") << created;
  // Rotate itself is counted under its own method.
  EXPECT_EQ(Leaf("/system/grpc-servers/grpc-server[name=rotagent]/authz-policy-counters/rpcs/"
                 "rpc[name=/gnsi.authz.v1.Authz/Rotate]/state/access-accepts"),
            "1");
}

// The policy is a registered credential kind: the rotation tree reports it like every certz and
// credentialz item, committed versions only, and a dropped rotation leaves the committed one.
TEST_F(AuthzTest, PolicyIsACredentialOfTheRotationTree) {
  StartAgent();
  const std::string base =
      "rotagent:/rotation/credentials/credential[name=authz/policy/policy]/state/";
  const auto tree = [this] {
    gnmi::GetRequest req;
    *req.add_path() = GnmiPath("rotagent", "/rotation/credentials");
    req.set_encoding(gnmi::PROTO);
    gnmi::GetResponse resp;
    grpc::ClientContext ctx;
    auto stub = gnmi::gNMI::NewStub(NewChannel(agent_->port(), trust_pem_, admin_));
    grpc::Status st = stub->Get(&ctx, req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return Leaves(resp);
  };
  EXPECT_EQ(tree().count(base + "version"), 0u) << "the factory policy is no rotated credential";
  ASSERT_TRUE(Rotate(AliceCapsPolicy(), "tree-1", 1700000004).ok());
  auto leaves = tree();
  EXPECT_EQ(leaves[base + "name"], "authz/policy/policy");
  EXPECT_EQ(leaves[base + "type"], "GrpcAuthzPolicy");
  EXPECT_EQ(leaves[base + "version"], "tree-1");
  EXPECT_TRUE(leaves[base + "created-on"] == "1700000004" ||
              leaves[base + "created-on"] == "1700000004000000000")
      << leaves[base + "created-on"];
  EXPECT_EQ(leaves[base + "synchronization-status"], "InSync");
  {
    auto stub = Authz(admin_);
    PolicyStream s(*stub);
    ASSERT_TRUE(s.Upload("tree-2", 1, PolicyWith("")));
    EXPECT_EQ(s.Finish().error_code(), StatusCode::ABORTED);
  }
  leaves = tree();
  EXPECT_EQ(leaves[base + "version"], "tree-1");
  EXPECT_EQ(Leaf("/system/aaa/authorization/state/grpc-authz-policy-version"), "tree-1");
}

TEST_F(AuthzTest, FinalizedPolicySurvivesRestartAndStagedOneDoesNot) {
  StartAgent();
  ASSERT_TRUE(Rotate(AliceCapsPolicy(), "durable-1", 1700000003).ok());
  agent_->Stop();
  agent_->Start();
  EXPECT_TRUE(Call(alice_, kCaps).ok());
  EXPECT_EQ(Call(alice_, kList).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(GetPolicy().version(), "durable-1");
  EXPECT_EQ(GetPolicy().created_on(), 1700000003u);

  // A staged policy dies with the agent: after SIGKILL the finalized one is back.
  {
    auto stub = Authz(admin_);
    PolicyStream s(*stub);
    ASSERT_TRUE(s.Upload("staged-2", 1, PolicyWith(R"({"name": "bob-all",
        "source": {"principals": ["CN=bob"]}})")));
    EXPECT_TRUE(Call(bob_, kList).ok());
    agent_->Stop(9);
  }
  agent_->Start();
  EXPECT_EQ(GetPolicy().version(), "durable-1");
  EXPECT_EQ(Call(bob_, kList).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Call(alice_, kCaps).ok());
}

TEST_F(AuthzTest, PolicyLockingOutItsRotatorIsRefused) {
  StartAgent();
  const std::vector<std::pair<std::string, std::string>> lockouts = {
      {"no allow rule for admin",
       R"({"name": "p", "allow_rules": [{"name": "alice", "source": {"principals": ["CN=alice"]}}]})"},
      {"empty allow list", R"({"name": "p", "allow_rules": []})"},
      {"deny rule on authz",
       PolicyWith("", R"({"name": "no-authz", "request": {"paths": ["/gnsi.authz.v1.Authz/*"]}})")},
      {"admin may Get but not Rotate",
       R"({"name": "p", "allow_rules": [{"name": "a", "source": {"principals": ["CN=admin"]},
           "request": {"paths": ["/gnsi.authz.v1.Authz/Get", "/gnsi.authz.v1.Authz/Probe"]}}]})"},
  };
  for (const auto& [what, policy] : lockouts) {
    grpc::Status st = Rotate(policy, "lockout");
    EXPECT_EQ(st.error_code(), StatusCode::FAILED_PRECONDITION)
        << what << ": " << st.error_message();
    EXPECT_NE(st.error_message().find("would deny 'CN=admin' /gnsi.authz.v1.Authz/Rotate"),
              std::string::npos)
        << what << ": " << st.error_message();
  }
  // Nothing changed: the factory policy is in force and admin still rotates.
  EXPECT_EQ(GetPolicy().version(), "");
  EXPECT_TRUE(Call(alice_, kList).ok());
  EXPECT_TRUE(Rotate(AliceCapsPolicy(), "after-lockouts").ok());
}

TEST_F(AuthzTest, BadPoliciesAreRejectedWithPreciseStatus) {
  StartAgent();
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "policy is empty"},
      {"{", "not valid JSON"},
      {"[]", "policy must be an object"},
      {R"({"allow_rules": []})", "name is missing"},
      {R"({"name": "p"})", "allow_rules is missing"},
      {R"({"name": "p", "allow_rules": [], "audit_logging_options": {}})",
       "unknown field 'audit_logging_options'"},
      {R"({"name": "p", "allow_rules": [{"name": "r", "source": {"principal": ["CN=a"]}}]})",
       "allow_rules[0].source has unknown field 'principal'"},
      {R"({"name": "p", "allow_rules": [{"source": {}}]})", "allow_rules[0].name is missing"},
      {R"({"name": "p", "allow_rules": [{"name": "r", "source": {"principals": "CN=a"}}]})",
       "allow_rules[0].source.principals must be an array of strings"},
      {R"({"name": "p", "allow_rules": [{"name": "r", "source": {"principals": [7]}}]})",
       "allow_rules[0].source.principals[0] must be a string"},
      {R"({"name": "p", "allow_rules": [{"name": "r", "request": {"headers": []}}]})",
       "header matching is not supported"},
      {R"({"name": "p", "name": "q", "allow_rules": []})", "field 'name' appears twice"},
  };
  for (const auto& [policy, want] : bad) {
    grpc::Status st = Rotate(policy, "bad");
    EXPECT_EQ(st.error_code(), StatusCode::INVALID_ARGUMENT)
        << policy << ": " << st.error_message();
    EXPECT_NE(st.error_message().find(want), std::string::npos)
        << policy << ": " << st.error_message();
  }
  grpc::Status no_version = Rotate(AliceCapsPolicy(), "");
  EXPECT_EQ(no_version.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(no_version.error_message().find("version is empty"), std::string::npos);
  ASSERT_TRUE(Rotate(AliceCapsPolicy(), "same").ok());
  grpc::Status again = Rotate(AliceCapsPolicy(), "same");
  EXPECT_EQ(again.error_code(), StatusCode::ALREADY_EXISTS) << again.error_message();
  // None of them changed anything but the one good rotation.
  EXPECT_EQ(GetPolicy().version(), "same");
}

}  // namespace
}  // namespace rotagent::testing
