// Retries of one device's work after transient gRPC errors: UNAVAILABLE (not reachable yet),
// DEADLINE_EXCEEDED (slow) and ABORTED (the agent is busy with another rotation). Every other
// error is permanent and fails at once. Between tries: capped exponential backoff with jitter,
// so a fabric's devices do not all come back at the same instant.
#pragma once

#include <chrono>
#include <functional>

#include "common/status.h"
#include "ctl/inventory.h"

namespace rotagent::ctl {

bool IsTransient(Code code);

// The pause before try `retry` + 1 (retry >= 1): min(max, initial * 2^(retry-1)), of which the
// upper half is random (`unit` in [0, 1)).
std::chrono::milliseconds Backoff(const RetryPolicy& policy, int retry, double unit);

// Calls `attempt(n)` for n = 1, 2, ... until it succeeds, fails permanently or max_attempts
// tries are spent; returns the last status and stores the number of tries in `*tries`.
Status WithRetries(const RetryPolicy& policy, const std::function<Status(int)>& attempt,
                   int* tries);

}  // namespace rotagent::ctl
