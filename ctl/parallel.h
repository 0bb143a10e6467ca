// The one worker pool rotctl uses to reach devices side by side.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace rotagent::ctl {

// Calls fn(i) for every i in [0, count) on at most `concurrency` threads (at least one); returns
// when every call has returned. fn guards whatever it shares.
inline void ForEachConcurrently(size_t count, int concurrency,
                                const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  const int n = std::max(1, std::min(concurrency, static_cast<int>(count)));
  std::vector<std::thread> workers;
  workers.reserve(n);
  for (int w = 0; w < n; ++w) {
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < count;) fn(i);
    });
  }
  for (auto& w : workers) w.join();
}

}  // namespace rotagent::ctl
