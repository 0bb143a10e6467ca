// Attacks on client authentication now that the listener's handshake only proves possession of
// the client's key and every call is admitted by the agent's own chain verification against the
// trust store of the current rotation: a forged issuer, an expired leaf and a client whose CA was
// rotated out are refused with UNAUTHENTICATED on every service.
#include "gnsi/credentialz/v1/credentialz.grpc.pb.h"
#include "tests/security/attack_helpers.h"

namespace rotagent::testing {
namespace {

namespace cz = gnsi::credentialz::v1;

class ClientChainAttackTest : public AttackTest {
 protected:
  // One call on each service over `channel`; each must be refused as unauthenticated, naming the
  // certificate.
  static void ExpectRefusedEverywhere(const std::shared_ptr<grpc::Channel>& channel,
                                      const std::string& who) {
    std::vector<std::pair<std::string, grpc::Status>> calls;
    {
      grpc::ClientContext ctx;
      pb::GetProfileListResponse resp;
      calls.emplace_back("certz", pb::Certz::NewStub(channel)->GetProfileList(&ctx, {}, &resp));
    }
    {
      grpc::ClientContext ctx;
      gnmi::CapabilityResponse resp;
      calls.emplace_back("gNMI", gnmi::gNMI::NewStub(channel)->Capabilities(&ctx, {}, &resp));
    }
    {
      grpc::ClientContext ctx;
      cz::GetPublicKeysResponse resp;
      calls.emplace_back("credentialz",
                         cz::Credentialz::NewStub(channel)->GetPublicKeys(&ctx, {}, &resp));
    }
    for (const auto& [service, s] : calls) {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << who << " on " << service << ": " << s.error_message();
      EXPECT_NE(s.error_message().find("client certificate rejected"), std::string::npos)
          << who << " on " << service << ": " << s.error_message();
    }
  }
};

// A CA of the attacker's own named exactly like the trusted CA A: the names match, the
// signature does not.
TEST_F(ClientChainAttackTest, ForgedIssuerNamedLikeATrustedCaIsRefused) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  const Identity forged_ca = MakeCa("CA A");
  const Identity forged_admin = MakeLeaf(forged_ca, "admin");
  ExpectRefusedEverywhere(NewChannel(agent_->port(), trust_pem_, forged_admin), "forged admin");
  EXPECT_TRUE(CanConnect(agent_->port(), trust_pem_, admin_));
}

TEST_F(ClientChainAttackTest, ExpiredClientCertificateOfATrustedCaIsRefused) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  const Identity expired = MakeLeaf(ca_a_, "admin", -2 * 86400, 86400);
  ExpectRefusedEverywhere(NewChannel(agent_->port(), trust_pem_, expired), "expired admin");
}

// Before, a client verified once at the handshake kept calling over its open connection after its
// CA left the trust bundle. Now its next call is refused; a client still trusted is unaffected.
TEST_F(ClientChainAttackTest, ClientOfARemovedCaIsRefusedOnItsOpenConnection) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  auto operator_channel = NewChannel(agent_->port(), trust_pem_, operator_b_);
  auto admin_channel = NewChannel(agent_->port(), trust_pem_, admin_);
  for (const auto& channel : {operator_channel, admin_channel}) {
    grpc::ClientContext ctx;
    pb::GetProfileListResponse resp;
    grpc::Status s = pb::Certz::NewStub(channel)->GetProfileList(&ctx, {}, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();  // admitted before the rotation
  }
  RotateGnsi(server_a_, {ca_a_.cert_pem}, "v2");  // CA B leaves the trust bundle
  EXPECT_EQ(operator_channel->GetState(false), GRPC_CHANNEL_READY);
  ExpectRefusedEverywhere(operator_channel, "operator of removed CA B");
  grpc::ClientContext ctx;
  pb::GetProfileListResponse resp;
  grpc::Status s = pb::Certz::NewStub(admin_channel)->GetProfileList(&ctx, {}, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

}  // namespace
}  // namespace rotagent::testing
