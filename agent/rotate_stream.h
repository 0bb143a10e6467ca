// Stream helpers shared by the gNSI Rotate services: the confirm timer that cancels a stream
// whose Finalize never comes, and the caller's certificate for authorization.
#pragma once

#include <grpcpp/server_context.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace rotagent {

// Cancels the stream if Finalize does not arrive within the confirm timeout after an upload.
class ConfirmTimer {
 public:
  explicit ConfirmTimer(grpc::ServerContext* ctx) : ctx_(ctx) {}
  ConfirmTimer(const ConfirmTimer&) = delete;
  ConfirmTimer& operator=(const ConfirmTimer&) = delete;
  ~ConfirmTimer() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void Arm(int seconds) {
    if (thread_.joinable()) return;  // the first upload starts the clock
    thread_ = std::thread([this, seconds] {
      std::unique_lock lock(mu_);
      if (!cv_.wait_for(lock, std::chrono::seconds(seconds), [this] { return stop_; })) {
        fired_ = true;
        ctx_->TryCancel();
      }
    });
  }

  bool fired() {
    std::lock_guard lock(mu_);
    return fired_;
  }

 private:
  grpc::ServerContext* ctx_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool fired_ = false;
  std::thread thread_;
};

// The caller's leaf certificate (PEM) from the TLS session; empty without one.
inline std::string PeerCertificatePem(grpc::ServerContext* ctx) {
  auto auth = ctx->auth_context();
  if (!auth) return "";
  auto values = auth->FindPropertyValues("x509_pem_cert");
  if (values.empty()) return "";
  return {values.front().data(), values.front().size()};
}

}  // namespace rotagent
