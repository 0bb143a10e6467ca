#include "agent/net/connection_gate.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace rotagent::net {
namespace {

using Clock = std::chrono::steady_clock;
// Re-checking which counted fds are still open costs one fstat each; under a flood at the cap it
// runs at most this often, and connections arriving in between are shed.
constexpr auto kPruneEvery = std::chrono::milliseconds(50);
constexpr auto kLogEvery = std::chrono::seconds(10);

struct Gate {
  std::mutex mu;
  bool configured = false;
  void* override_fn = nullptr;
  int cap = 0;
  int fd_ceiling = 0;                       // an accepted fd at or above it is shed
  std::unordered_map<int, ino_t> accepted;  // fd -> inode of the socket accepted on it
  std::map<int, int> exempt_ports;          // local probe port -> holders
  int spare = -1;                           // released to drain the backlog on EMFILE
  Clock::time_point last_prune{};
  uint64_t shed = 0, shed_logged = 0;
  Clock::time_point last_log{};
};

Gate& TheGate() {
  static Gate* const g = new Gate;  // never destroyed: gRPC threads may accept during exit
  return *g;
}

// libc's accept4, bypassed: this process's accept4 symbol is the gate itself.
int RealAccept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  return static_cast<int>(syscall(SYS_accept4, fd, addr, len, flags));
}

ino_t InodeOf(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return 0;
  return st.st_ino;
}

// Closes with a reset, leaving no TIME_WAIT behind on the agent's side.
void Shed(int fd) {
  linger l{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

// A connection from this host to itself: its peer address is its own local address.
bool FromSelf(int fd, const sockaddr_storage& peer) {
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) return false;
  if (local.ss_family != peer.ss_family) return false;
  if (peer.ss_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in&>(local).sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in&>(peer).sin_addr.s_addr;
  }
  if (peer.ss_family == AF_INET6) {
    return IN6_ARE_ADDR_EQUAL(&reinterpret_cast<const sockaddr_in6&>(local).sin6_addr,
                              &reinterpret_cast<const sockaddr_in6&>(peer).sin6_addr);
  }
  return false;
}

int PortOf(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  return -1;
}

// Forgets counted fds that no longer hold the socket accepted on them. Caller holds g.mu.
void Prune(Gate& g) {
  g.last_prune = Clock::now();
  for (auto it = g.accepted.begin(); it != g.accepted.end();) {
    it = InodeOf(it->first) == it->second ? std::next(it) : g.accepted.erase(it);
  }
}

bool HasRoom(Gate& g) {
  if (static_cast<int>(g.accepted.size()) < g.cap) return true;
  if (Clock::now() - g.last_prune < kPruneEvery) return false;
  Prune(g);
  return static_cast<int>(g.accepted.size()) < g.cap;
}

void LogShed(Gate& g) {
  const auto now = Clock::now();
  if (now - g.last_log < kLogEvery) return;
  spdlog::warn("connection gate: refused {} connection(s) (cap {}, {} open, fd ceiling {})",
               g.shed - g.shed_logged, g.cap, g.accepted.size(), g.fd_ceiling);
  g.shed_logged = g.shed;
  g.last_log = now;
}

// The fd given up to drain the backlog; lost when another thread took its number meanwhile, so
// it is made again whenever there is room.
void KeepSpare(Gate& g) {
  if (g.spare < 0) g.spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

// Out of fds: frees the spare to take one queued connection off the backlog and reset it, so
// the queue drains and the listener sees new arrivals. False when there is nothing to drain.
bool DrainOne(Gate& g, int listen_fd, int flags) {
  std::lock_guard lock(g.mu);
  KeepSpare(g);
  if (g.spare < 0) return false;
  close(std::exchange(g.spare, -1));
  int fd = RealAccept4(listen_fd, nullptr, nullptr, flags);
  const int err = errno;
  if (fd >= 0) {
    Shed(fd);
    ++g.shed;
    LogShed(g);
  }
  KeepSpare(g);
  errno = err;
  return fd >= 0;
}

}  // namespace

int ConfigureGate(const GateLimits& limits) {
  Gate& g = TheGate();
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) rl.rlim_cur = RLIM_INFINITY;  // the cap alone, then
  const rlim_t soft = std::min<rlim_t>(rl.rlim_cur, 1 << 24);
  std::lock_guard lock(g.mu);
  g.fd_ceiling = std::max(0, static_cast<int>(soft) - limits.fd_reserve);
  g.cap = std::min(limits.max_connections, g.fd_ceiling);
  KeepSpare(g);
  g.configured = true;
  if (g.cap < limits.max_connections) {
    spdlog::warn(
        "limits.max_connections {} does not fit the fd limit {} less the reserve of {}; "
        "accepting at most {} connections",
        limits.max_connections, soft, limits.fd_reserve, g.cap);
  }
  return g.cap;
}

GateStats Stats() {
  Gate& g = TheGate();
  std::lock_guard lock(g.mu);
  const bool interposed =
      g.override_fn != nullptr && dlsym(RTLD_DEFAULT, "accept4") == g.override_fn;
  return {interposed, g.cap, static_cast<int>(g.accepted.size()), g.shed};
}

void RegisterAcceptOverride(void* fn) {
  Gate& g = TheGate();
  std::lock_guard lock(g.mu);
  g.override_fn = fn;
}

int GatedAccept4(int listen_fd, sockaddr* addr, socklen_t* len, int flags) {
  Gate& g = TheGate();
  for (;;) {
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof peer;
    const int fd = RealAccept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &peer_len, flags);
    if (fd < 0) {
      switch (errno) {
        case EMFILE:
        case ENFILE:
          if (DrainOne(g, listen_fd, flags)) continue;
          errno = EAGAIN;  // gRPC 1.51 abandons the listener on any other error
          return -1;
        // accept(2): the pending error of one queued connection, which is gone; take the next.
        case ECONNABORTED:
        case EPROTO:
        case ENETDOWN:
        case ENOPROTOOPT:
        case EHOSTDOWN:
        case ENONET:
        case EHOSTUNREACH:
        case ENETUNREACH:
          continue;
        case ENOBUFS:
        case ENOMEM:
        case EPERM:        // a firewall refused the connection
          errno = EAGAIN;  // transient; the next arrival wakes the listener again
          return -1;
        default:
          return -1;  // EAGAIN, EINTR, or the listener itself is gone
      }
    }
    if (addr != nullptr && len != nullptr) {
      std::memcpy(addr, &peer, std::min<socklen_t>(*len, peer_len));
      *len = peer_len;
    }
    std::lock_guard lock(g.mu);
    if (!g.configured) return fd;
    KeepSpare(g);
    if (g.exempt_ports.count(PortOf(peer)) != 0 && FromSelf(fd, peer)) return fd;
    if (fd < g.fd_ceiling && HasRoom(g)) {
      g.accepted[fd] = InodeOf(fd);
      return fd;
    }
    Shed(fd);
    ++g.shed;
    LogShed(g);
  }
}

ExemptProbePort::ExemptProbePort(int port) : port_(port) {
  Gate& g = TheGate();
  std::lock_guard lock(g.mu);
  ++g.exempt_ports[port_];
}

ExemptProbePort::~ExemptProbePort() {
  Gate& g = TheGate();
  std::lock_guard lock(g.mu);
  if (--g.exempt_ports[port_] == 0) g.exempt_ports.erase(port_);
}

}  // namespace rotagent::net
