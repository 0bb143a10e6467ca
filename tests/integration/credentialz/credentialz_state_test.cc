// Account credentials as gNMI reports them: versions after a rotation, and drift when the
// password is changed behind the agent's back.
#include <gtest/gtest.h>

#include "tests/integration/credentialz/credentialz_fixture.h"
#include "tests/support/certz_client.h"
#include "tests/support/gnmi_client.h"
#include "tests/support/run_command.h"

namespace rotagent::testing {
namespace {

const std::string kPassword =
    "/rotation/credentials/credential[name=accounts/admin/password]/state/";

TEST_F(CredentialzTest, PasswordVersionIsReportedAndDriftIsDetected) {
  // Seconds, as sent: the created-on assertion below was written for that unit.
  agent_.reset();
  state_ = "{check_interval: 1, created_on_unit: seconds}";
  StartAgent();
  auto gnmi_stub = gnmi::gNMI::NewStub(NewChannel(agent_->port(), ca_.cert_pem, admin_));
  GnmiSubscription sub(*gnmi_stub, StreamRequest({GnmiPath("rotagent", kPassword)}));
  ASSERT_TRUE(sub.WaitFor([&] { return sub.synced(); }));
  const std::string next = "Reported#1";
  ASSERT_TRUE(RotateAccounts(PlaintextPassword("admin", next, "pw-g1")).ok());
  const std::string status = "rotagent:" + kPassword + "synchronization-status";
  ASSERT_TRUE(sub.WaitFor([&] {
    auto h = sub.History(status);
    return !h.empty() && h.back() == "InSync";
  }));
  EXPECT_EQ(sub.History("rotagent:" + kPassword + "version").back(), "pw-g1");

  gnmi::GetRequest get;
  *get.add_path() =
      GnmiPath("openconfig", "/system/aaa/authentication/users/user[username=admin]/state");
  get.set_encoding(gnmi::PROTO);
  gnmi::GetResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(gnmi_stub->Get(&ctx, get, &resp).ok());
  auto leaves = Leaves(resp);
  const std::string user =
      "openconfig:/system/aaa/authentication/users/user[username=admin]/state/";
  EXPECT_EQ(leaves[user + "password-version"], "pw-g1");
  EXPECT_EQ(leaves[user + "password-created-on"], "1700000000");

  // Someone runs passwd behind the agent's back: OutOfSync, with a reason and no secret.
  ASSERT_EQ(RunCommand({"chpasswd"}, "admin:Changed-By-Hand#2\n"), 0);
  ASSERT_TRUE(sub.WaitFor([&] { return sub.History(status).back() == "OutOfSync"; }));
  const std::string why = sub.History("rotagent:" + kPassword + "last-error").back();
  EXPECT_EQ(why, "the password hash on the box is not the committed version 'pw-g1'");
  EXPECT_EQ(agent_->Log().find("Changed-By-Hand"), std::string::npos);
}

}  // namespace
}  // namespace rotagent::testing
