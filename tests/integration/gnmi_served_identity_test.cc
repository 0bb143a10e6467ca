// The grpc-server leaves as the public gNSI suite reads them: a fresh agent reports the identity
// it serves before any rotation, and created-on is in nanoseconds by default (the suite compares
// time.Unix(0, reported) with time.Unix(sent, 0)).
#include <gtest/gtest.h>

#include <fstream>

#include "common/x509.h"
#include "tests/integration/certz_fixture.h"
#include "tests/support/gnmi_client.h"

namespace rotagent::testing {
namespace {

const std::string kGs = "/system/grpc-servers/grpc-server[name=rotagent]/state/";

std::map<std::string, std::string> GrpcServerLeaves(int port, const std::string& trust,
                                                    const Identity& who) {
  auto stub = gnmi::gNMI::NewStub(NewChannel(port, trust, who));
  gnmi::GetRequest req;
  *req.add_path() = GnmiPath("openconfig", kGs);
  req.set_encoding(gnmi::PROTO);
  gnmi::GetResponse resp;
  grpc::ClientContext ctx;
  grpc::Status s = stub->Get(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  std::map<std::string, std::string> out;
  for (const auto& [path, value] : Leaves(resp)) out[path.substr(path.rfind('/') + 1)] = value;
  return out;
}

int64_t NotBefore(const std::string& pem) {
  auto certs = x509::ParseCertificates(pem, x509::Encoding::kPem, "test");
  return certs.ok() && !certs->empty() ? x509::NotBefore(certs->front().get()) : -1;
}

int64_t NotAfter(const std::string& pem) {
  auto certs = x509::ParseCertificates(pem, x509::Encoding::kPem, "test");
  return certs.ok() && !certs->empty() ? x509::NotAfter(certs->front().get()) : -1;
}

using ServedIdentityTest = CertzTest;

TEST_F(ServedIdentityTest, AFreshAgentReportsTheProvisionedIdentityThenTheRotatedOne) {
  StartAgent();  // bound to profile gnsi, which holds nothing yet: the provisioned files serve
  ASSERT_EQ(Served(), Fingerprint(default_server_.cert_pem));
  auto gs = GrpcServerLeaves(agent_->port(), trust_pem_, admin_);
  EXPECT_EQ(gs["ssl-profile-id"], "gnsi");
  EXPECT_EQ(gs["certificate-version"], Fingerprint(default_server_.cert_pem));
  EXPECT_EQ(gs["certificate-created-on"],
            std::to_string(NotBefore(default_server_.cert_pem) * 1000000000ll));
  EXPECT_EQ(gs["certificate-expires-on"],
            std::to_string(NotAfter(default_server_.cert_pem) * 1000000000ll));

  // After a rotation: the controller's version, and its created-on (sent in seconds) in ns.
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  gs = GrpcServerLeaves(agent_->port(), trust_pem_, admin_);
  EXPECT_EQ(gs["certificate-version"], "v1");
  EXPECT_EQ(gs["certificate-created-on"], "1700000000000000000");
  EXPECT_EQ(gs["ca-trust-bundle-created-on"], "1700000000000000000");
  EXPECT_EQ(gs["certificate-expires-on"],
            std::to_string(NotAfter(server_a_.cert_pem) * 1000000000ll));
  // The rotation tree's created-on follows the same unit.
  gnmi::GetRequest req;
  *req.add_path() = GnmiPath(
      "rotagent", "/rotation/credentials/credential[name=profiles/gnsi/chain]/state/created-on");
  req.set_encoding(gnmi::PROTO);
  gnmi::GetResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(gnmi::gNMI::NewStub(NewChannel(agent_->port(), trust_pem_, admin_))
                  ->Get(&ctx, req, &resp)
                  .ok());
  EXPECT_EQ(Leaves(resp).begin()->second, "1700000000000000000");
}

TEST_F(ServedIdentityTest, AFreshBootstrapAgentReportsTheBootstrapIdentity) {
  agent_ = std::make_unique<AgentProcess>(
      dir_,
      "listen: 127.0.0.1:0\nstate_dir: " + (dir_ / "state").string() +
          "\nidentity: {bootstrap: true}\nauthorization:\n  gnmi.gNMI: [\"CN=rotagent-admin\"]\n");
  agent_->Start();
  const auto b = dir_ / "state" / "bootstrap";
  Identity admin{ReadText(b / "admin-cert.pem"), ReadText(b / "admin-key.pem"), {}, {}};
  const std::string ca = ReadText(b / "ca-cert.pem");
  const std::string server = ReadText(b / "server-cert.pem");
  ASSERT_FALSE(server.empty());
  auto gs = GrpcServerLeaves(agent_->port(), ca, admin);
  EXPECT_EQ(gs["ssl-profile-id"], "system_default_profile");
  EXPECT_EQ(gs["certificate-version"], Served());
  EXPECT_EQ(gs["certificate-version"], Fingerprint(server));
  EXPECT_EQ(gs["certificate-created-on"], std::to_string(NotBefore(server) * 1000000000ll));
}

}  // namespace
}  // namespace rotagent::testing
