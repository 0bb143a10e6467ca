// One long-lived thread that runs the jobs handed to it, in order: for work a request leaves
// behind (a rotation's clean-up) or collects later (a proof's answer), without starting a thread
// per request.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "common/status.h"

namespace rotagent {

class Worker {
 public:
  Worker() : thread_([this] { Loop(); }) {}
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  // Runs the jobs already handed over, then stops.
  ~Worker() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  // Runs `job` on the worker's thread, after the jobs handed over before it.
  void Post(std::function<void()> job) {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

  // As Post; its status (or what it throws) arrives through the future.
  std::future<Status> Submit(std::function<Status()> job) {
    auto task = std::make_shared<std::packaged_task<Status()>>(std::move(job));
    std::future<Status> done = task->get_future();
    Post([task] { (*task)(); });
    return done;
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace rotagent
