#include "ctl/agent_link.h"

#include "common/atomic_file.h"
#include "common/ossl.h"

namespace rotagent::ctl {

Result<AgentLink> AgentLink::Open(const Inventory& inv, const Device& device) {
  auto ca = ReadFile(inv.trust_bundle);
  if (!ca.ok()) return ca.status().WithContext("trust_bundle");
  auto cert = ReadFile(inv.client_cert);
  if (!cert.ok()) return cert.status().WithContext("client.cert");
  auto key = ReadFile(inv.client_key);
  if (!key.ok()) return key.status().WithContext("client.key");
  grpc::SslCredentialsOptions opts{*ca, *key, *cert};
  Wipe(*key);
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(inv.server_name);
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

}  // namespace rotagent::ctl
