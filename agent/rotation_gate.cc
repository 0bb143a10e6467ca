#include "agent/rotation_gate.h"

#include <spdlog/spdlog.h>

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

void RotationGate::Hold::ReleaseAfter(std::function<void()> work) {
  if (gate_ == nullptr) {
    work();
    return;
  }
  Closing();
  RotationGate* gate = std::exchange(gate_, nullptr);  // the gate's thread releases it
  gate->after_.Submit([gate, work = std::move(work)] {
    work();
    Hold(gate).Release();
    return Status::Ok();
  });
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
                                               Code busy_code) {
  std::unique_lock lock(mu_);
  if (held_) {
    const auto start = std::chrono::steady_clock::now();
    const auto ending = [this] { return !held_ || closing_ || (open_ && !open_()); };
    // An open holder gets a moment to show that its stream has in fact ended.
    cv_.wait_until(lock, start + kEndGrace, ending);
    if (held_ && ending()) {
      spdlog::info("a rotation arrived while the previous one finishes; waiting for it");
      cv_.wait_until(lock, start + kRollbackWait, [this] { return !held_; });
      if (held_) {
        return Status(busy_code, busy + "; it ended but its rollback is still running after " +
                                     std::to_string(kRollbackWait.count() / 1000) +
                                     " s, retry later");
      }
    }
    if (held_) return Status(busy_code, busy);
  }
  held_ = true;
  closing_ = false;
  open_ = std::move(open);
  return Hold(this);
}

RotationGate::Hold RotationGate::EnterWaiting() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return !held_; });
  held_ = true;
  closing_ = false;
  open_ = nullptr;
  return Hold(this);
}

}  // namespace rotagent
