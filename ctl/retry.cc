#include "ctl/retry.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <thread>

namespace rotagent::ctl {

bool IsTransient(Code code) {
  return code == Code::kUnavailable || code == Code::kDeadlineExceeded || code == Code::kAborted;
}

std::chrono::milliseconds Backoff(const RetryPolicy& policy, int retry, double unit) {
  int64_t ms = policy.initial_backoff_ms;
  for (int i = 1; i < retry && ms < policy.max_backoff_ms; ++i) ms *= 2;
  ms = std::min<int64_t>(ms, policy.max_backoff_ms);
  const auto half = ms / 2;
  return std::chrono::milliseconds(
      half + static_cast<int64_t>(static_cast<double>(ms - half) * std::clamp(unit, 0.0, 1.0)));
}

Status WithRetries(const RetryPolicy& policy, const std::function<Status(int)>& attempt,
                   int* tries) {
  Status s = Status::Ok();
  for (int n = 1;; ++n) {
    *tries = n;
    s = attempt(n);
    if (s.ok() || !IsTransient(s.code()) || n >= policy.max_attempts) return s;
    uint32_t r = 0;
    RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r);
    std::this_thread::sleep_for(Backoff(policy, n, r / 4294967296.0));
  }
}

}  // namespace rotagent::ctl
