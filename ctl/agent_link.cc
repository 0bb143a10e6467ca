#include "ctl/agent_link.h"

#include "common/atomic_file.h"
#include "common/ossl.h"
#include "ctl/signer.h"

namespace rotagent::ctl {

Result<AgentLink> AgentLink::OpenAs(const Inventory& inv, const Device& device,
                                    const ClientIdentity& identity) {
  auto ca = ReadFile(inv.trust_bundle);
  if (!ca.ok()) return ca.status().WithContext("trust_bundle");
  // Devices serve certificates from the signer once rotated, and from an open CA rotation's
  // new CA once its leaves are re-issued.
  if (auto roots = SignerRoots(inv); roots.ok()) *ca += "\n" + *roots;
  if (const std::string next = CaRotationRoots(inv); !next.empty()) *ca += "\n" + next;
  auto cert = ReadFile(identity.cert);
  if (!cert.ok()) return cert.status().WithContext("client certificate");
  auto key = ReadFile(identity.key);
  if (!key.ok()) return key.status().WithContext("client key");
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

Result<AgentLink> AgentLink::Open(const Inventory& inv, const Device& device) {
  const std::vector<ClientIdentity> ids = ClientIdentities(inv);
  // One identity: no probe, the caller's own call reports any failure.
  for (size_t i = 0; i + 1 < ids.size(); ++i) {
    auto link = OpenAs(inv, device, ids[i]);
    if (link.ok() && link->Probe().ok()) return link;
  }
  return OpenAs(inv, device, ids.back());
}

Status AgentLink::Probe() {
  grpc::ClientContext ctx;
  SetDeadline(ctx, 10);
  gnmi::CapabilityResponse caps;
  const grpc::Status s = gnmi_->Capabilities(&ctx, gnmi::CapabilityRequest(), &caps);
  if (s.ok()) return Status::Ok();
  return Status(static_cast<Code>(s.error_code()), "gNMI Capabilities: " + s.error_message());
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
