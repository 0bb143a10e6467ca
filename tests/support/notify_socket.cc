#include "tests/support/notify_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace rotagent::testing {

NotifySocket::NotifySocket(std::filesystem::path path) : path_(std::move(path)) {
  std::filesystem::remove(path_);
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.native().size() >= sizeof addr.sun_path) {  // truncated, the agent could not reach it
    throw std::runtime_error("notify socket path too long: " + path_.string());
  }
  std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("cannot bind notify socket " + path_.string());
  }
}

NotifySocket::~NotifySocket() {
  if (fd_ >= 0) close(fd_);
}

bool NotifySocket::Wait(const std::string& token, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf - 1, 0);
    if (n <= 0) continue;
    std::string msg(buf, static_cast<size_t>(n));
    auto st = msg.find("STATUS=");
    if (st != std::string::npos) last_status_ = msg.substr(st + 7, msg.find('\n', st) - st - 7);
    if (msg.find(token) != std::string::npos) return true;
  }
  return false;
}

}  // namespace rotagent::testing
