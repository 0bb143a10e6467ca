#include "ctl/agent_link.h"

#include "common/atomic_file.h"
#include "common/ossl.h"
#include "ctl/signer.h"

namespace rotagent::ctl {

Result<AgentLink> AgentLink::Open(const Inventory& inv, const Device& device) {
  auto ca = ReadFile(inv.trust_bundle);
  if (!ca.ok()) return ca.status().WithContext("trust_bundle");
  // Devices serve certificates from the signer once rotated.
  if (auto roots = SignerRoots(inv); roots.ok()) *ca += "\n" + *roots;
  auto cert = ReadFile(inv.client_cert);
  if (!cert.ok()) return cert.status().WithContext("client.cert");
  auto key = ReadFile(inv.client_key);
  if (!key.ok()) return key.status().WithContext("client.key");
  grpc::SslCredentialsOptions opts{*ca, *key, *cert};
  Wipe(*key);
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(inv.server_name);
  // Every link is its own connection: a rotation proves a certificate with a fresh handshake.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  AgentLink link;
  link.channel_ = grpc::CreateCustomChannel(device.address, grpc::SslCredentials(opts), args);
  Wipe(opts.pem_private_key);
  link.gnmi_ = gnmi::gNMI::NewStub(link.channel_);
  link.certz_ = gnsi::certz::v1::Certz::NewStub(link.channel_);
  link.credentialz_ = gnsi::credentialz::v1::Credentialz::NewStub(link.channel_);
  return link;
}

void AgentLink::SetDeadline(grpc::ClientContext& ctx, int seconds) {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
}

std::string AgentLink::ServedCertificate(const grpc::ClientContext& ctx) {
  auto auth = ctx.auth_context();
  if (!auth) return "";
  auto values = auth->FindPropertyValues("x509_pem_cert");
  return values.empty() ? "" : std::string(values.front().data(), values.front().size());
}

}  // namespace rotagent::ctl
