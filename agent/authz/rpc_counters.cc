#include "agent/authz/rpc_counters.h"

#include <chrono>

namespace rotagent::authz {

void RpcCounters::SetPublisher(std::function<void()> publish,
                               std::chrono::milliseconds min_interval) {
  std::lock_guard lock(mu_);
  publish_ = std::move(publish);
  min_interval_ = min_interval;
}

bool RpcCounters::TakePublish(bool force) {
  if (!publish_ || !pending_) return false;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_publish_ < min_interval_) return false;
  pending_ = false;
  last_publish_ = now;
  return true;
}

void RpcCounters::Flush() {
  std::function<void()> publish;
  {
    std::lock_guard lock(mu_);
    if (TakePublish(true)) publish = publish_;
  }
  if (publish) publish();
}

void RpcCounters::Count(const std::string& method, bool accepted) {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::function<void()> publish;
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
    pending_ = true;
    if (TakePublish(false)) publish = publish_;
  }
  if (publish) publish();
}

std::map<std::string, RpcCount> RpcCounters::Snapshot() const {
  std::lock_guard lock(mu_);
  return counts_;
}

}  // namespace rotagent::authz
