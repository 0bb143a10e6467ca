// rotctl's connection to one device's agent: mTLS with rotctl's client identity, and the
// gNSI/gNMI stubs over it. During and after a CA rotation rotctl has more than one identity
// (ctl/ca_rotation_state.h): a link tries them newest first and keeps the first the device
// admits, so rotctl never loses access while the devices' trust bundles change.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "ctl/ca_rotation_state.h"
#include "ctl/inventory.h"
#include "gnmi/gnmi.grpc.pb.h"
#include "gnsi/certz/v1/certz.grpc.pb.h"
#include "gnsi/credentialz/v1/credentialz.grpc.pb.h"

namespace rotagent::ctl {

class AgentLink {
 public:
  static Result<AgentLink> Open(const Inventory& inv, const Device& device);
  // With this identity only, on a brand-new connection.
  static Result<AgentLink> OpenAs(const Inventory& inv, const Device& device,
                                  const ClientIdentity& identity);

  gnmi::gNMI::Stub& gnmi() { return *gnmi_; }
  gnsi::certz::v1::Certz::Stub& certz() { return *certz_; }
  gnsi::credentialz::v1::Credentialz::Stub& credentialz() { return *credentialz_; }
  // A deadline for every call, so one dead device cannot stall a fabric run.
  static void SetDeadline(grpc::ClientContext& ctx, int seconds = 15);
  // The certificate (PEM) the agent served on the connection `ctx` used; empty if unknown.
  static std::string ServedCertificate(const grpc::ClientContext& ctx);
  // OK when the device admits this link's identity: a gNMI Capabilities call succeeds.
  Status Probe();

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gnmi::gNMI::Stub> gnmi_;
  std::unique_ptr<gnsi::certz::v1::Certz::Stub> certz_;
  std::unique_ptr<gnsi::credentialz::v1::Credentialz::Stub> credentialz_;
};

}  // namespace rotagent::ctl
