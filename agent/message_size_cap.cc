#include "agent/message_size_cap.h"

#include <google/protobuf/message_lite.h>
#include <spdlog/spdlog.h>

namespace rotagent {
namespace {

using grpc::experimental::InterceptionHookPoints;

class MessageSizeCap final : public grpc::experimental::Interceptor {
 public:
  MessageSizeCap(std::string method, size_t cap) : method_(std::move(method)), cap_(cap) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* m) override {
    if (m->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      // gRPC hands the generated request type; every one of ours is a protobuf message. (certz,
      // whose Rotate reads raw bytes, is the exempt service and never gets here.)
      auto* msg = static_cast<google::protobuf::MessageLite*>(m->GetRecvMessage());
      if (msg != nullptr) {
        const size_t size = msg->ByteSizeLong();
        if (size > cap_) {
          oversized_ = size;
          msg->Clear();
          spdlog::warn("{}: refused a request message of {} bytes (cap {})", method_, size, cap_);
        }
      }
    }
    if (oversized_ != 0 && m->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      m->ModifySendStatus({grpc::StatusCode::RESOURCE_EXHAUSTED,
                           "request message of " + std::to_string(oversized_) +
                               " bytes exceeds this service's cap of " + std::to_string(cap_) +
                               " bytes (only certz takes larger messages)"});
    }
    m->Proceed();
  }

 private:
  std::string method_;
  size_t cap_;
  size_t oversized_ = 0;
};

}  // namespace

grpc::experimental::Interceptor* MessageSizeCapFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  const std::string method = info->method() != nullptr ? info->method() : "";
  if (method.rfind(exempt_prefix_, 0) == 0) return nullptr;
  return new MessageSizeCap(method, cap_);
}

size_t CertzMessageLimit(size_t max_bundle_bytes, size_t max_entity_bytes) {
  return 2 * max_bundle_bytes + 8 * max_entity_bytes + size_t{64} * 1024;
}

}  // namespace rotagent
