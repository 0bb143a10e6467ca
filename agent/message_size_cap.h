// Per-service request size caps. gRPC 1.51 has one receive limit per server, and certz needs a
// large one (a 20,000-CA trust bundle is 8.4 MB); the server limit is raised to certz's and this
// interceptor holds every other service to a small cap: an oversized message is emptied before the
// handler sees it (so it acts on nothing) and the call ends RESOURCE_EXHAUSTED naming the cap.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <cstddef>
#include <string>

namespace rotagent {

class MessageSizeCapFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // Methods under `exempt_prefix` (e.g. "/gnsi.certz.v1.Certz/") take up to the server limit;
  // every other method at most `cap` bytes per message.
  MessageSizeCapFactory(std::string exempt_prefix, size_t cap)
      : exempt_prefix_(std::move(exempt_prefix)), cap_(cap) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  std::string exempt_prefix_;
  size_t cap_;
};

// The server's receive limit for certz limits: two bundles and a few entities, with room for the
// protobuf framing.
size_t CertzMessageLimit(size_t max_bundle_bytes, size_t max_entity_bytes);

}  // namespace rotagent
