#include "agent/net/fd_limit.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace rotagent::net {

Result<rlim_t> RaiseFdLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    return Status(Code::kInternal, std::string("getrlimit(RLIMIT_NOFILE): ") + strerror(errno));
  }
  if (rl.rlim_cur >= rl.rlim_max) return rl.rlim_cur;
  const rlim_t was = rl.rlim_cur;
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    return Status(Code::kFailedPrecondition,
                  "cannot raise the open-file limit from " + std::to_string(was) + " to " +
                      std::to_string(rl.rlim_max) + ": " + strerror(errno));
  }
  return rl.rlim_cur;
}

}  // namespace rotagent::net
