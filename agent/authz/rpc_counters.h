// Per-RPC authorization counters, as OpenConfig's grpc-server authz-policy-counters report them:
// accepts, rejects and when the last of each happened. Kept across policy changes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace rotagent::authz {

struct RpcCount {
  uint64_t accepts = 0, rejects = 0;
  int64_t last_accept_ns = 0, last_reject_ns = 0;  // wall clock; 0 = never
};

class RpcCounters {
 public:
  // `on_change` runs after each count, outside the lock (the state tree refreshes from it).
  void SetOnChange(std::function<void()> on_change);
  void Count(const std::string& method, bool accepted);
  std::map<std::string, RpcCount> Snapshot() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, RpcCount> counts_;
  std::function<void()> on_change_;
};

}  // namespace rotagent::authz
