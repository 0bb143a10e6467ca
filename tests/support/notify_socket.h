// A systemd notify socket owned by a test: a daemon started with NOTIFY_SOCKET pointing here
// reports READY=1 and STATUS=..., so tests wait on the daemon's word, never on a timer.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

namespace rotagent::testing {

class NotifySocket {
 public:
  explicit NotifySocket(std::filesystem::path path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // Waits for a message containing `token`; remembers the last STATUS= seen.
  bool Wait(const std::string& token, std::chrono::milliseconds timeout);
  const std::string& last_status() const { return last_status_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::string last_status_;
};

}  // namespace rotagent::testing
