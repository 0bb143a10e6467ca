// Bounds the connections the agent accepts and keeps its listener alive through fd exhaustion.
//
// gRPC 1.51 has no connection cap, and its TCP listener (src/core/lib/iomgr/tcp_server_posix.cc,
// on_read) stops accepting for good when accept4 fails with anything but EAGAIN or EINTR: one
// EMFILE wedges the listener until restart. rotagentd therefore defines accept4 itself
// (accept4_override.cc, linked into the executable only); libgrpc calls accept4 through its PLT,
// so that definition interposes libc's and lands in GatedAccept4, which
//   - sheds (accepts, then resets) a connection beyond `max_connections` or one whose fd lands in
//     the reserve kept below the fd limit for the agent's own files, probes and hooks;
//   - never returns EMFILE or ENFILE: it drains the backlog with a spare fd and says EAGAIN;
//     a queued connection's own error (ECONNABORTED, EPROTO, ...) is skipped, and ENOBUFS or
//     ENOMEM is reported as EAGAIN, so no error but a dead listen socket reaches gRPC.
// Accepted fds are counted without hooking close(): each is remembered with its inode, and when
// the count reaches the cap the ones whose fd no longer holds that socket are forgotten.
#pragma once

#include <sys/socket.h>

#include <cstdint>

namespace rotagent::net {

struct GateLimits {
  int max_connections = 512;
  int fd_reserve = 64;  // fds below the soft limit that connections never take
};

struct GateStats {
  bool interposed = false;  // libgrpc's accept4 resolves to rotagentd's
  int cap = 0;              // effective: min(max_connections, fd limit - reserve)
  int open = 0;             // accepted connections believed open
  uint64_t shed = 0;        // connections refused since start
};

// Starts gating with `limits` (before the listener accepts); returns the effective cap.
int ConfigureGate(const GateLimits& limits);
GateStats Stats();

// accept4(2) as the gate serves it; before ConfigureGate it is plain accept4.
int GatedAccept4(int fd, sockaddr* addr, socklen_t* len, int flags);

// Records that accept4_override.cc is linked in; `fn` is its accept4.
void RegisterAcceptOverride(void* fn);

// While alive, a connection from this host's own address and local `port` is admitted whatever
// the count: the agent's own probes of its listener must get through a full house.
class ExemptProbePort {
 public:
  explicit ExemptProbePort(int port);
  ~ExemptProbePort();
  ExemptProbePort(const ExemptProbePort&) = delete;
  ExemptProbePort& operator=(const ExemptProbePort&) = delete;

 private:
  int port_;
};

}  // namespace rotagent::net
