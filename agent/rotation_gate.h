// Admits one rotation at a time. A Rotate that finds the gate held by a stream that has already
// ended (cancelled, half-closed, failed: only its rollback is left) waits for that rollback,
// bounded, instead of failing; only a rotation whose stream is still open answers ABORTED.
//
// A committed rotation's clean-up (ReleaseAfter) runs after its client has the answer. Newcomers
// that change the store at once wait for it; a rotation stream may enter meanwhile (kLater) and
// validate its upload, and waits for it before its first change (Hold::Settled).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "common/status.h"
#include "common/worker.h"

namespace rotagent {

class RotationGate {
 public:
  // How long a newcomer waits for an open holder's stream to show it has ended (its Read wakes a
  // moment after the client cancels, on another connection), and for a rollback to finish.
  static constexpr std::chrono::milliseconds kEndGrace{1000};
  static constexpr std::chrono::milliseconds kRollbackWait{10000};

  // The gate while held. Destroying it opens the gate.
  class Hold {
   public:
    Hold() = default;
    Hold(Hold&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}
    Hold& operator=(Hold&& other) noexcept;
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    ~Hold() { Release(); }
    // The holder's stream has ended; what remains is its rollback, which newcomers wait for.
    void Closing();
    // Releases the gate and runs `work` on the gate's own thread: what is left of a finished
    // rotation that its client need not wait for. Newcomers wait for it as for a rollback, except
    // a kLater one, which waits in Settled. `then` runs after `work`, waited for by no one.
    void ReleaseAfter(std::function<void()> work, std::function<void()> then = nullptr);
    // Waits (bounded) until no earlier holder's clean-up runs; for a holder that entered kLater,
    // before it changes the store.
    Status Settled() const;

   private:
    friend class RotationGate;
    explicit Hold(RotationGate* gate) : gate_(gate) {}
    void Release();
    RotationGate* gate_ = nullptr;
  };

  // Whether an entrant waits for an earlier holder's clean-up in Enter (kNow) or in
  // Hold::Settled (kLater).
  enum class Cleanup { kNow, kLater };

  // `open` says whether the caller's stream is still open (e.g. not cancelled); it is asked by
  // later callers while this one holds the gate. `busy_code` (ABORTED unless a service's protocol
  // says otherwise) with `busy` when an open rotation holds it.
  Result<Hold> Enter(std::function<bool()> open, const std::string& busy,
                     Code busy_code = Code::kAborted, Cleanup cleanup = Cleanup::kNow);
  // Waits without bound, clean-up included (start-up work that must not fail because a rotation
  // runs).
  Hold EnterWaiting();

  RotationGate() = default;
  RotationGate(const RotationGate&) = delete;
  RotationGate& operator=(const RotationGate&) = delete;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool held_ = false;
  bool closing_ = false;
  int cleaning_ = 0;     // ReleaseAfter work not yet done
  int waiting_now_ = 0;  // Cleanup::kNow callers waiting in Enter
  std::function<bool()> open_;
  Worker after_;  // runs ReleaseAfter's work; last, so that it finishes first
};

}  // namespace rotagent
