// rotagentd's accept4: interposes libc's for every caller in the process, libgrpc's listener
// included (it calls accept4 through its PLT), and hands the call to the connection gate.
// Linked into the rotagentd executable only, and exported from it (see agent/CMakeLists.txt).
#include <sys/socket.h>

#include "agent/net/connection_gate.h"

extern "C" int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  return rotagent::net::GatedAccept4(fd, addr, len, flags);
}

namespace {
// Lets the daemon check at start that the interposition really took.
const bool kRegistered = [] {
  rotagent::net::RegisterAcceptOverride(reinterpret_cast<void*>(&accept4));
  return true;
}();
}  // namespace
