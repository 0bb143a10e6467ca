// The ssh-server and user leaves as the public gNSI suite reads them, after real rotations and
// real SSH logins against the real sshd: created-on in nanoseconds (Credentialz-1/4), the active
// host certificate's version (Credentialz-3), and sshd's access counters (Credentialz-2).
#include <gtest/gtest.h>

#include <chrono>

#include "tests/integration/credentialz/credentialz_fixture.h"
#include "tests/support/certz_client.h"
#include "tests/support/gnmi_client.h"
#include "tests/support/run_command.h"

namespace rotagent::testing {
namespace {

const std::string kSsh = "openconfig:/system/ssh-server/state/";
const std::string kCounters = kSsh + "counters/";

uint64_t NowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

class SshServerStateTest : public CredentialzTest {
 protected:
  std::unique_ptr<gnmi::gNMI::Stub> Gnmi() const {
    return gnmi::gNMI::NewStub(NewChannel(agent_->port(), ca_.cert_pem, admin_));
  }
  grpc::Status Get(const std::string& path, std::map<std::string, std::string>* leaves) {
    gnmi::GetRequest req;
    *req.add_path() = GnmiPath("openconfig", path);
    req.set_encoding(gnmi::PROTO);
    gnmi::GetResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = Gnmi()->Get(&ctx, req, &resp);
    if (s.ok() && leaves != nullptr) *leaves = Leaves(resp);
    return s;
  }
  // The last value a subscription saw of a counter, as a number (0 before any).
  static uint64_t Last(const GnmiSubscription& sub, const std::string& counter) {
    auto h = sub.History(kCounters + counter);
    return h.empty() ? 0 : std::stoull(h.back());
  }
};

TEST_F(SshServerStateTest, HostCertificateLeavesReportTheVersionThatBroughtTheCertificate) {
  // Known to the schema, but nothing to report before a host certificate is installed.
  std::map<std::string, std::string> leaves;
  EXPECT_EQ(Get("/system/ssh-server/state/active-host-certificate-version", nullptr).error_code(),
            grpc::StatusCode::NOT_FOUND);
  SshKeyPair host = MakeSshKey(dir_.string(), "host-1", "ed25519");
  cz::RotateHostParametersRequest plain;
  auto* keys = plain.mutable_server_keys();
  keys->add_auth_artifacts()->set_private_key(host.private_key);
  keys->set_version("hk-plain");
  keys->set_created_on(1700000100);
  ASSERT_TRUE(RotateHost(plain).ok());
  ASSERT_TRUE(Get("/system/ssh-server/state", &leaves).ok());
  EXPECT_EQ(leaves[kSsh + "active-host-key-version"], "hk-plain");
  EXPECT_EQ(leaves[kSsh + "active-host-key-created-on"], "1700000100000000000");
  EXPECT_EQ(leaves.count(kSsh + "active-host-certificate-version"), 0u);

  // Credentialz-3: sign the device's host key, push the certificate, read version and created-on.
  SshKeyPair host_ca = MakeSshKey(dir_.string(), "host-ca", "ed25519");
  const std::string host_cert = SignKey(dir_.string(), host_ca, host, "localhost", /*host=*/true);
  cz::RotateHostParametersRequest with_cert;
  keys = with_cert.mutable_server_keys();
  auto* artifact = keys->add_auth_artifacts();
  artifact->set_private_key(host.private_key);
  artifact->set_certificate(host_cert);
  keys->set_version("hc-1");
  keys->set_created_on(1700000200);
  ASSERT_TRUE(RotateHost(with_cert).ok());
  std::string scanned;
  ASSERT_EQ(RunCommand({"ssh-keyscan", "-c", "-t", "ed25519", "-p", std::to_string(ssh_port()),
                        "127.0.0.1"},
                       "", &scanned),
            0);
  EXPECT_NE(scanned.find(host_cert), std::string::npos) << scanned;
  ASSERT_TRUE(Get("/system/ssh-server/state", &leaves).ok());
  EXPECT_EQ(leaves[kSsh + "active-host-certificate-version"], "hc-1");
  EXPECT_EQ(leaves[kSsh + "active-host-certificate-created-on"], "1700000200000000000");
  EXPECT_EQ(leaves[kSsh + "active-host-key-version"], "hc-1");

  // Survives a restart: the leaves come from the committed slot.
  agent_.reset();
  StartAgent();
  ASSERT_TRUE(Get("/system/ssh-server/state/active-host-certificate-version", &leaves).ok());
  EXPECT_EQ(leaves[kSsh + "active-host-certificate-version"], "hc-1");
}

TEST_F(SshServerStateTest, PasswordCreatedOnIsInNanosecondsByDefault) {
  ASSERT_TRUE(RotateAccounts(PlaintextPassword("admin", "Nano#Seconds1", "pw-ns")).ok());
  std::map<std::string, std::string> leaves;
  ASSERT_TRUE(Get("/system/aaa/authentication/users/user[username=admin]/state", &leaves).ok());
  const std::string user =
      "openconfig:/system/aaa/authentication/users/user[username=admin]/state/";
  EXPECT_EQ(leaves[user + "password-version"], "pw-ns");
  // The suite's check: time.Unix(0, reported) == time.Unix(sent, 0).
  EXPECT_EQ(leaves[user + "password-created-on"], "1700000000000000000");
}

TEST_F(SshServerStateTest, CountersFollowRealLoginsToSshd) {
  auto stub = Gnmi();
  GnmiSubscription sub(
      *stub, StreamRequest({GnmiPath("openconfig", "/system/ssh-server/state/counters")}));
  ASSERT_TRUE(sub.WaitFor([&] { return sub.synced(); }));
  // Nothing since the agent started.
  ASSERT_EQ(sub.History(kCounters + "access-accepts"), std::vector<std::string>{"0"});
  EXPECT_EQ(sub.History(kCounters + "access-rejects"), std::vector<std::string>{"0"});
  EXPECT_EQ(sub.History(kCounters + "last-access-accept"), std::vector<std::string>{"0"});

  const uint64_t before_accept = NowNs() - 1000000000ull;  // file times may be coarse
  ASSERT_TRUE(PasswordLogin(ssh_port(), "admin", InitialPassword("admin")));
  ASSERT_TRUE(sub.WaitFor([&] { return Last(sub, "access-accepts") == 1; }))
      << ::testing::PrintToString(sub.History(kCounters + "access-accepts"));
  const uint64_t accepted_at = Last(sub, "last-access-accept");
  EXPECT_GE(accepted_at, before_accept);
  EXPECT_LE(accepted_at, NowNs());
  EXPECT_EQ(Last(sub, "access-rejects"), 0u);

  const uint64_t before_reject = NowNs() - 1000000000ull;
  EXPECT_FALSE(PasswordLogin(ssh_port(), "admin", "Not-The-Password#1"));
  ASSERT_TRUE(sub.WaitFor([&] { return Last(sub, "access-rejects") >= 1; }));
  const uint64_t rejects = Last(sub, "access-rejects");
  EXPECT_GE(Last(sub, "last-access-reject"), before_reject);
  EXPECT_LE(Last(sub, "last-access-reject"), NowNs());
  // A user the box does not know is rejected too.
  EXPECT_FALSE(PasswordLogin(ssh_port(), "no-such-user", "whatever"));
  ASSERT_TRUE(sub.WaitFor([&] { return Last(sub, "access-rejects") > rejects; }));
  // A key login is an accept like a password one.
  SshKeyPair key = MakeSshKey(dir_.string(), "user-key", "ed25519");
  ASSERT_TRUE(
      RotateAccounts(AuthorizedKeys("admin", {key.public_line}, cz::KEY_TYPE_ED25519, "k1")).ok());
  ASSERT_TRUE(KeyLogin(ssh_port(), "admin", key.private_key));
  ASSERT_TRUE(sub.WaitFor([&] { return Last(sub, "access-accepts") == 2; }))
      << ::testing::PrintToString(sub.History(kCounters + "access-accepts"));
  // Every count matches what sshd itself logged.
  const std::string log = sshd_->Log();
  size_t failed = 0;
  for (size_t at = 0; (at = log.find("\nFailed ", at)) != std::string::npos; ++at) ++failed;
  EXPECT_EQ(Last(sub, "access-rejects"), failed) << log;
}

}  // namespace
}  // namespace rotagent::testing
