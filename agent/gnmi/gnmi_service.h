// gnmi.gNMI over gRPC on the agent's mTLS listener: Capabilities, Get, Subscribe (ONCE, POLL,
// STREAM with ON_CHANGE, SAMPLE, TARGET_DEFINED) over the state tree, and Set for the two
// writable leaves: /rotation/agent/config/admin-state and the grpc-server's certificate-id.
#pragma once

#include <functional>
#include <memory>

#include "agent/authz/authorizer.h"
#include "agent/gnmi/gnmi_set.h"
#include "agent/gnmi/subscribe_limits.h"
#include "agent/state/tree.h"
#include "gnmi/gnmi.grpc.pb.h"

namespace rotagent::gnmi_service {

class GnmiService final : public gnmi::gNMI::Service {
 public:
  GnmiService(state::Tree& tree, SubscribeLimits limits, Writers writers,
              std::function<std::shared_ptr<const authz::Authorizer>()> authorizer);
  // Run before Get and Subscribe read the tree (e.g. to publish pending counters).
  void SetBeforeRead(std::function<void()> f) { before_read_ = std::move(f); }

  grpc::Status Capabilities(grpc::ServerContext* ctx, const gnmi::CapabilityRequest* req,
                            gnmi::CapabilityResponse* resp) override;
  grpc::Status Get(grpc::ServerContext* ctx, const gnmi::GetRequest* req,
                   gnmi::GetResponse* resp) override;
  grpc::Status Set(grpc::ServerContext* ctx, const gnmi::SetRequest* req,
                   gnmi::SetResponse* resp) override;
  // In subscribe.cc.
  grpc::Status Subscribe(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<gnmi::SubscribeResponse, gnmi::SubscribeRequest>* stream) override;

 private:
  // `method` is the RPC's name within the service, e.g. "Set".
  Status Authorize(grpc::ServerContext* ctx, const char* method) const;

  state::Tree& tree_;
  StreamSlots slots_;
  Writers writers_;
  std::function<std::shared_ptr<const authz::Authorizer>()> authorizer_;
  std::function<void()> before_read_;
};

}  // namespace rotagent::gnmi_service
