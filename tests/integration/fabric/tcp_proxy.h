// A TCP proxy on loopback in front of an agent that decides, per connection (counted from 1),
// whether to forward it, reset it at once (the client's call fails UNAVAILABLE, as with an agent
// restarting) or hold it silent until ReleaseHeld() (a device that accepts and never answers).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rotagent::testing {

class TcpProxy {
 public:
  enum class Action { kForward, kReset, kHold };

  TcpProxy(int target_port, std::function<Action(int connection)> policy);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  int connections() const { return connections_; }
  void ReleaseHeld();

 private:
  void Accept();
  void Pump(int client);

  int target_port_, port_ = 0, listener_ = -1, wake_[2] = {-1, -1};
  std::function<Action(int)> policy_;
  std::atomic<int> connections_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<int> held_;
  std::vector<std::thread> pumps_;
  std::thread acceptor_;
};

}  // namespace rotagent::testing
