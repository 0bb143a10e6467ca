#include "agent/stream_watch.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace rotagent {
namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

struct StreamWatch::Watched {
  grpc::ServerContext* ctx;
  Clock::time_point confirm_deadline;
  Clock::duration idle;
  bool waiting = false;
  Clock::time_point waiting_since;
  Fired fired = Fired::kNo;
};

namespace {

using Watched = StreamWatch::Watched;

// The one thread that watches every stream. Its mutex guards every Watched.
class Watchdog {
 public:
  static Watchdog& Get() {
    static Watchdog dog;
    return dog;
  }

  std::mutex& mu() { return mu_; }

  void Add(Watched* w) {
    std::lock_guard lock(mu_);
    watched_.insert(w);
    if (NextLook(*w, Clock::now()) < wake_at_) cv_.notify_one();
  }

  // Once it returns, the thread no longer touches `w` (nor its stream).
  void Remove(Watched* w) {
    std::lock_guard lock(mu_);
    watched_.erase(w);
  }

 private:
  Watchdog() : thread_([this] { Run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  // When `w` needs a look at the latest. A stream that is not waiting is looked at within one
  // idle period: a turn to waiting sets its idle deadline no earlier than that, so turns need
  // not wake the thread.
  static Clock::time_point NextLook(const Watched& w, Clock::time_point now) {
    return std::min(w.confirm_deadline, (w.waiting ? w.waiting_since : now) + w.idle);
  }

  void Run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      const auto now = Clock::now();
      wake_at_ = Clock::time_point::max();
      for (auto it = watched_.begin(); it != watched_.end();) {
        Watched& w = **it;
        if (now >= w.confirm_deadline) {
          w.fired = StreamWatch::Fired::kConfirm;
        } else if (w.waiting && now >= w.waiting_since + w.idle) {
          w.fired = StreamWatch::Fired::kIdle;
        } else {
          wake_at_ = std::min(wake_at_, NextLook(w, now));
          ++it;
          continue;
        }
        w.ctx->TryCancel();
        it = watched_.erase(it);
      }
      if (wake_at_ == Clock::time_point::max()) {
        cv_.wait(lock);
      } else {
        cv_.wait_until(lock, wake_at_);
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_set<Watched*> watched_;
  Clock::time_point wake_at_ = Clock::time_point::max();  // when the thread looks next
  bool stop_ = false;
  std::thread thread_;  // last: starts once every member above is ready
};

}  // namespace

StreamWatch::StreamWatch(grpc::ServerContext* ctx, StreamTimeouts t)
    : watched_(
          std::make_unique<Watched>(Watched{ctx,
                                            Clock::now() + std::chrono::seconds(t.confirm_seconds),
                                            std::chrono::seconds(t.idle_seconds),
                                            false,
                                            {},
                                            Fired::kNo})) {
  Watchdog::Get().Add(watched_.get());
}

StreamWatch::~StreamWatch() { Watchdog::Get().Remove(watched_.get()); }

void StreamWatch::Turn(bool waiting) {
  std::lock_guard lock(Watchdog::Get().mu());
  watched_->waiting = waiting;
  watched_->waiting_since = Clock::now();
}

StreamWatch::Fired StreamWatch::fired() const {
  std::lock_guard lock(Watchdog::Get().mu());
  return watched_->fired;
}

std::string StreamWatch::Why() const {
  const auto idle = std::chrono::duration_cast<std::chrono::seconds>(watched_->idle);
  switch (fired()) {
    case Fired::kConfirm:
      return "no finalize within the confirm timeout";
    case Fired::kIdle:
      return "the client sent nothing for the idle timeout (" + std::to_string(idle.count()) +
             " s)";
    case Fired::kNo:
      break;
  }
  return "";
}

}  // namespace rotagent
