#include "agent/authz/rpc_counters.h"

#include <chrono>

namespace rotagent::authz {

void RpcCounters::SetOnChange(std::function<void()> on_change) {
  std::lock_guard lock(mu_);
  on_change_ = std::move(on_change);
}

void RpcCounters::Count(const std::string& method, bool accepted) {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::function<void()> notify;
  {
    std::lock_guard lock(mu_);
    RpcCount& c = counts_[method];
    if (accepted) {
      ++c.accepts;
      c.last_accept_ns = now;
    } else {
      ++c.rejects;
      c.last_reject_ns = now;
    }
    notify = on_change_;
  }
  if (notify) notify();
}

std::map<std::string, RpcCount> RpcCounters::Snapshot() const {
  std::lock_guard lock(mu_);
  return counts_;
}

}  // namespace rotagent::authz
