// What Subscribe callers may hold: open streams (all clients, and per client certificate),
// subscriptions per request, and the fastest SAMPLE or heartbeat interval. Each open stream
// holds one gRPC thread, so these caps also bound the threads and CPU gNMI can take.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"

namespace rotagent::gnmi_service {

struct SubscribeLimits {
  int max_streams = 32;
  int max_streams_per_client = 8;
  int max_subscriptions_per_request = 32;
  std::chrono::milliseconds min_sample_interval{1000};
};

class StreamSlots {
 public:
  explicit StreamSlots(SubscribeLimits limits) : limits_(limits) {}

  // Held for the life of one Subscribe call.
  class Slot {
   public:
    Slot(StreamSlots& owner, std::string client) : owner_(owner), client_(std::move(client)) {}
    ~Slot() { owner_.Release(client_); }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    StreamSlots& owner_;
    std::string client_;
  };

  // A slot for `client` (its certificate), or RESOURCE_EXHAUSTED naming the cap reached.
  Result<std::unique_ptr<Slot>> Acquire(const std::string& client);
  // RESOURCE_EXHAUSTED when a request lists more subscriptions than allowed.
  Status CheckCount(int subscriptions) const;
  const SubscribeLimits& limits() const { return limits_; }

 private:
  void Release(const std::string& client);

  const SubscribeLimits limits_;
  std::mutex mu_;
  int open_ = 0;
  std::map<std::string, int> per_client_;
};

}  // namespace rotagent::gnmi_service
