// Stream helpers shared by the gNSI Rotate services: the watch that ends a stream holding the
// rotation lock too long (no finalize within the confirm timeout) or idle too long (the client
// sends nothing), and the caller's certificates from the TLS session.
#pragma once

#include <grpcpp/server_context.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "agent/caller.h"

namespace rotagent {

struct StreamTimeouts {
  int confirm_seconds = 300;
  int idle_seconds = 60;
};

// Started when a stream takes the rotation lock. Cancels the stream when finalize has not come
// within `confirm` of that, or when the client has been silent for `idle` while it was its turn.
class StreamWatch {
 public:
  enum class Fired { kNo, kConfirm, kIdle };

  StreamWatch(grpc::ServerContext* ctx, StreamTimeouts t)
      : ctx_(ctx),
        confirm_deadline_(std::chrono::steady_clock::now() +
                          std::chrono::seconds(t.confirm_seconds)),
        idle_(t.idle_seconds),
        thread_([this] { Run(); }) {}
  StreamWatch(const StreamWatch&) = delete;
  StreamWatch& operator=(const StreamWatch&) = delete;
  ~StreamWatch() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // The agent waits for the client's next message: the idle clock runs from now.
  void Waiting() { Turn(true); }
  // A message arrived; the agent works on it (however long a hook takes, that is not idling).
  void Received() { Turn(false); }

  Fired fired() {
    std::lock_guard lock(mu_);
    return fired_;
  }
  // Why the stream was ended, for the status and the rollback reason.
  std::string Why() {
    switch (fired()) {
      case Fired::kConfirm:
        return "no finalize within the confirm timeout";
      case Fired::kIdle:
        return "the client sent nothing for the idle timeout (" + std::to_string(idle_.count()) +
               " s)";
      case Fired::kNo:
        break;
    }
    return "";
  }

 private:
  void Turn(bool waiting) {
    {
      std::lock_guard lock(mu_);
      waiting_ = waiting;
      waiting_since_ = std::chrono::steady_clock::now();
      changed_ = true;
    }
    cv_.notify_all();
  }

  void Run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      auto deadline = confirm_deadline_;
      if (waiting_) deadline = std::min(deadline, waiting_since_ + idle_);
      if (cv_.wait_until(lock, deadline, [this] { return stop_ || changed_; })) {
        changed_ = false;
        continue;
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= confirm_deadline_) {
        fired_ = Fired::kConfirm;
      } else if (waiting_ && now >= waiting_since_ + idle_) {
        fired_ = Fired::kIdle;
      } else {
        continue;
      }
      ctx_->TryCancel();
      return;
    }
  }

  grpc::ServerContext* ctx_;
  const std::chrono::steady_clock::time_point confirm_deadline_;
  const std::chrono::seconds idle_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool changed_ = false;
  bool waiting_ = false;
  std::chrono::steady_clock::time_point waiting_since_;
  Fired fired_ = Fired::kNo;
  std::thread thread_;  // last: starts once every member above is ready
};

// The caller's certificates from the TLS session.
inline Caller CallerOf(grpc::ServerContext* ctx) {
  Caller c;
  auto auth = ctx->auth_context();
  if (!auth) return c;
  auto leaf = auth->FindPropertyValues("x509_pem_cert");
  if (!leaf.empty()) c.leaf_pem.assign(leaf.front().data(), leaf.front().size());
  auto chain = auth->FindPropertyValues("x509_pem_cert_chain");
  if (!chain.empty()) c.chain_pem.assign(chain.front().data(), chain.front().size());
  return c;
}

// The caller's leaf certificate (PEM) from the TLS session; empty without one.
inline std::string PeerCertificatePem(grpc::ServerContext* ctx) { return CallerOf(ctx).leaf_pem; }

}  // namespace rotagent
