#include "agent/gnmi/subscribe_limits.h"

namespace rotagent::gnmi_service {

Result<std::unique_ptr<StreamSlots::Slot>> StreamSlots::Acquire(const std::string& client) {
  std::lock_guard lock(mu_);
  if (open_ >= limits_.max_streams) {
    return Status(Code::kResourceExhausted,
                  std::to_string(open_) + " Subscribe streams are open, the most the agent " +
                      "serves (gnmi.max_streams " + std::to_string(limits_.max_streams) + ")");
  }
  int& mine = per_client_[client];
  if (mine >= limits_.max_streams_per_client) {
    return Status(Code::kResourceExhausted, "this client already holds " + std::to_string(mine) +
                                                " Subscribe streams (gnmi.max_streams_per_client " +
                                                std::to_string(limits_.max_streams_per_client) +
                                                ")");
  }
  ++mine;
  ++open_;
  return std::make_unique<Slot>(*this, client);
}

Status StreamSlots::CheckCount(int subscriptions) const {
  if (subscriptions <= limits_.max_subscriptions_per_request) return Status::Ok();
  return {Code::kResourceExhausted, "subscribe lists " + std::to_string(subscriptions) +
                                        " subscriptions (gnmi.max_subscriptions_per_request " +
                                        std::to_string(limits_.max_subscriptions_per_request) +
                                        ")"};
}

void StreamSlots::Release(const std::string& client) {
  std::lock_guard lock(mu_);
  --open_;
  auto it = per_client_.find(client);
  if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
}

}  // namespace rotagent::gnmi_service
