#include "agent/rotation_gate.h"

#include <spdlog/spdlog.h>

#include "common/scope_exit.h"

namespace rotagent {

RotationGate::Hold& RotationGate::Hold::operator=(Hold&& other) noexcept {
  if (this != &other) {
    Release();
    gate_ = std::exchange(other.gate_, nullptr);
  }
  return *this;
}

void RotationGate::Hold::Closing() {
  if (gate_ == nullptr) return;
  {
    std::lock_guard lock(gate_->mu_);
    gate_->closing_ = true;
  }
  gate_->cv_.notify_all();
}

void RotationGate::Hold::ReleaseAfter(std::function<void()> work, std::function<void()> then) {
  if (gate_ == nullptr) {
    work();
    if (then) then();
    return;
  }
  RotationGate* gate = std::exchange(gate_, nullptr);
  {
    std::lock_guard lock(gate->mu_);
    ++gate->cleaning_;
    gate->held_ = false;
    gate->closing_ = false;
    gate->open_ = nullptr;
  }
  gate->cv_.notify_all();
  gate->after_.Post([gate, work = std::move(work), then = std::move(then)] {
    {
      // Counted down even if `work` throws, or every later stage would wait for it in vain.
      const ScopeExit cleaned([gate] {
        {
          std::lock_guard lock(gate->mu_);
          --gate->cleaning_;
        }
        gate->cv_.notify_all();
      });
      work();
    }
    if (then) then();
  });
}

Status RotationGate::Hold::Settled() const {
  if (gate_ == nullptr) return Status::Ok();
  std::unique_lock lock(gate_->mu_);
  if (gate_->cv_.wait_for(lock, kRollbackWait, [g = gate_] { return g->cleaning_ == 0; })) {
    return Status::Ok();
  }
  return Status(Code::kUnavailable, "the previous rotation's clean-up is still running after " +
                                        std::to_string(kRollbackWait.count() / 1000) +
                                        " s; retry later");
}

void RotationGate::Hold::Release() {
  if (gate_ == nullptr) return;
  {
    std::lock_guard lock(gate_->mu_);
    gate_->held_ = false;
    gate_->closing_ = false;
    gate_->open_ = nullptr;
  }
  gate_->cv_.notify_all();
  gate_ = nullptr;
}

Result<RotationGate::Hold> RotationGate::Enter(std::function<bool()> open, const std::string& busy,
                                               Code busy_code, Cleanup cleanup) {
  std::unique_lock lock(mu_);
  // A rotation may enter during a clean-up, but not ahead of a caller that waits for one to end
  // (it would never find the gate free while rotations follow each other).
  const auto free = [this, cleanup] {
    return !held_ && (cleaning_ == 0 || (cleanup == Cleanup::kLater && waiting_now_ == 0));
  };
  if (!free()) {
    const bool now = cleanup == Cleanup::kNow;
    if (now) ++waiting_now_;
    const ScopeExit counted([this, now] { waiting_now_ -= now ? 1 : 0; });
    const auto start = std::chrono::steady_clock::now();
    const auto ending = [this] { return !held_ || closing_ || (open_ && !open_()); };
    // An open holder gets a moment to show that its stream has in fact ended.
    cv_.wait_until(lock, start + kEndGrace, ending);
    if (!free() && ending()) {
      spdlog::info("a rotation arrived while the previous one finishes; waiting for it");
      cv_.wait_until(lock, start + kRollbackWait, free);
      if (!free()) {
        return Status(busy_code, busy + "; it ended but its rollback is still running after " +
                                     std::to_string(kRollbackWait.count() / 1000) +
                                     " s, retry later");
      }
    }
    if (!free()) return Status(busy_code, busy);
  }
  held_ = true;
  closing_ = false;
  open_ = std::move(open);
  return Hold(this);
}

RotationGate::Hold RotationGate::EnterWaiting() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return !held_ && cleaning_ == 0; });
  held_ = true;
  closing_ = false;
  open_ = nullptr;
  return Hold(this);
}

}  // namespace rotagent
