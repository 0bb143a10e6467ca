#include "tests/integration/fabric/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace rotagent::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  return a;
}

// Reset, not FIN: the client sees the connection fail at once.
void Reset(int fd) {
  linger l{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

}  // namespace

TcpProxy::TcpProxy(int target_port, std::function<Action(int)> policy)
    : target_port_(target_port), policy_(std::move(policy)) {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = Loopback(0);
  if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      listen(listener_, 16) != 0 || pipe(wake_) != 0) {
    throw std::runtime_error("TcpProxy: cannot listen");
  }
  socklen_t len = sizeof a;
  getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  (void)!write(wake_[1], "x", 1);
  acceptor_.join();
  ReleaseHeld();
  for (auto& t : pumps_) t.join();
  close(listener_);
  close(wake_[0]);
  close(wake_[1]);
}

void TcpProxy::ReleaseHeld() {
  const std::lock_guard lock(mu_);
  for (int fd : held_) Reset(fd);
  held_.clear();
}

void TcpProxy::Accept() {
  for (;;) {
    pollfd fds[2] = {{listener_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 || stop_) return;
    const int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    switch (policy_(++connections_)) {
      case Action::kReset:
        Reset(client);
        break;
      case Action::kHold: {
        const std::lock_guard lock(mu_);
        held_.push_back(client);
        break;
      }
      case Action::kForward:
        pumps_.emplace_back([this, client] { Pump(client); });
        break;
    }
  }
}

// Copies bytes both ways until either side closes or the proxy stops.
void TcpProxy::Pump(int client) {
  const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = Loopback(target_port_);
  if (connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    Reset(client);
    close(server);
    return;
  }
  char buf[16384];
  for (bool open = true; open && !stop_;) {
    pollfd fds[3] = {{client, POLLIN, 0}, {server, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(fds, 3, -1) < 0) break;
    for (int i = 0; i < 2 && open; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      open = n > 0 && write(fds[1 - i].fd, buf, static_cast<size_t>(n)) == n;
    }
  }
  close(client);
  close(server);
}

}  // namespace rotagent::testing
