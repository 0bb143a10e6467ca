// Per-RPC authorization counters, as OpenConfig's grpc-server authz-policy-counters report them:
// accepts, rejects and when the last of each happened. Kept across policy changes.
#pragma once

#include <chrono>
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

// Every call counts, but publishing (a refresh of the whole state tree) is bounded: at most once
// per `min_interval` as counts come in, and on demand (Flush) before a reader looks.
class RpcCounters {
 public:
  // `publish` runs outside the lock (the state tree refreshes from it).
  void SetPublisher(std::function<void()> publish, std::chrono::milliseconds min_interval);
  void Count(const std::string& method, bool accepted);
  // Publishes counts not yet published (a gNMI Get or Subscribe is about to read them).
  void Flush();
  std::map<std::string, RpcCount> Snapshot() const;

 private:
  // Under mu_: whether to publish now; marks the counts published if so.
  bool TakePublish(bool force);

  mutable std::mutex mu_;
  std::map<std::string, RpcCount> counts_;
  std::function<void()> publish_;
  std::chrono::milliseconds min_interval_{0};
  std::chrono::steady_clock::time_point last_publish_;
  bool pending_ = false;
};

}  // namespace rotagent::authz
