// EOS's JSON and error forms as public sources show them: both forms of the session waiting on a
// commit timer, SSL profile validity, and error text scrubbed of secrets.
#include <gtest/gtest.h>

#include "platform/eos/eapi_client.h"
#include "platform/eos/running_config.h"
#include "platform/eos/session_state.h"

namespace rotagent::platform::eos {
namespace {
using nlohmann::json;

TEST(EosSessions, Before432TheWaitingSessionHasStatePendingCommitTimer) {
  const json detail = {{"sessions",
                        {{"a", {{"state", "completed"}}},
                         {"rot", {{"state", "pendingCommitTimer"}, {"commitBy", 1234.5}}}}},
                       {"maxSavedSessions", 1},
                       {"maxOpenSessions", 5}};
  EXPECT_EQ(PendingTimerSession(detail).value(), std::optional<std::string>("rot"));
}

TEST(EosSessions, From432OnlyTheTopLevelNameMarksIt) {
  const json detail = {
      {"sessions", {{"a", {{"state", "committed"}}}, {"rot", {{"state", "committed"}}}}},
      {"commitTimerSessionName", "rot"},
      {"commitTimerExpireTime", 99.0}};
  EXPECT_EQ(PendingTimerSession(detail).value(), std::optional<std::string>("rot"));
  const json none = {{"sessions", {{"rot", {{"state", "committed"}}}}}};
  EXPECT_EQ(PendingTimerSession(none).value(), std::nullopt);
  EXPECT_EQ(PendingTimerSession(json::array()).status().code(), Code::kInternal);
}

TEST(EosProfiles, ValidityAndReasons) {
  const json status = {
      {"profileStatus",
       {{"good", {{"profileName", "good"}, {"state", "valid"}}},
        {"bad",
         {{"state", "invalid"}, {"error", {"Certificate 'x' does not match with key 'y'"}}}}}}};
  EXPECT_TRUE(SslProfileValidity(status, "good")->valid);
  auto bad = SslProfileValidity(status, "bad");
  EXPECT_FALSE(bad->valid);
  EXPECT_EQ(bad->errors, "Certificate 'x' does not match with key 'y'");
  EXPECT_EQ(SslProfileValidity(status, "none").status().code(), Code::kNotFound);
}

TEST(EosErrors, TheQuotedCommandLosesItsSecret) {
  const std::string hash = "$6$salt$" + std::string(86, 'a');
  const json error = {
      {"code", 1002},
      {"message", "CLI command 3 of 3 'username admin secret sha512 " + hash + "' failed: invalid"},
      {"data", {json::object(), json::object(), {{"errors", {"Invalid input: " + hash}}}}}};
  Status s = EapiError(error, {"configure session x", "username admin secret sha512 " + hash});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message().find("$6$"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("username admin secret <redacted>"), std::string::npos) << s.message();
  EXPECT_EQ(ScrubSecrets("username a secret 0 hunter2 role x"),
            "username a secret <redacted> role x");
}

TEST(EosRunningConfig, ChainAndBuiltInTrustLines) {
  const std::string rc =
      "management security\n"
      "   ssl profile gnsi\n"
      "      certificate rotagent-gnsi-1.crt key rotagent-gnsi-1.key\n"
      "      trust certificate system\n"
      "      trust certificate rotagent-gnsi-1-ca0.crt\n"
      "      chain certificate rotagent-gnsi-1-chain1.crt\n"
      "!\n";
  auto p = ParseSslProfile(rc, "gnsi");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->chain, std::vector<std::string>{"rotagent-gnsi-1-chain1.crt"});
  EXPECT_EQ(p->trust.size(), 2u);
  EXPECT_FALSE(AgentOwned("system"));
  EXPECT_TRUE(AgentOwned("rotagent-gnsi-1-ca0.crt"));
}

}  // namespace
}  // namespace rotagent::platform::eos
