// rotctl's connection to one device's agent: mTLS with the inventory's client identity, and the
// gNSI/gNMI stubs over it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "ctl/inventory.h"
#include "gnmi/gnmi.grpc.pb.h"
#include "gnsi/certz/v1/certz.grpc.pb.h"
#include "gnsi/credentialz/v1/credentialz.grpc.pb.h"

namespace rotagent::ctl {

class AgentLink {
 public:
  static Result<AgentLink> Open(const Inventory& inv, const Device& device);

  gnmi::gNMI::Stub& gnmi() { return *gnmi_; }
  gnsi::certz::v1::Certz::Stub& certz() { return *certz_; }
  gnsi::credentialz::v1::Credentialz::Stub& credentialz() { return *credentialz_; }
  // A deadline for every call, so one dead device cannot stall a fabric run.
  static void SetDeadline(grpc::ClientContext& ctx, int seconds = 15);
  // The certificate (PEM) the agent served on the connection `ctx` used; empty if unknown.
  static std::string ServedCertificate(const grpc::ClientContext& ctx);

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gnmi::gNMI::Stub> gnmi_;
  std::unique_ptr<gnsi::certz::v1::Certz::Stub> certz_;
  std::unique_ptr<gnsi::credentialz::v1::Credentialz::Stub> credentialz_;
};

}  // namespace rotagent::ctl
