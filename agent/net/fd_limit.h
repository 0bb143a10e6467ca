// The process's open-file limit: connections, TLS handshakes and the agent's own files share it.
#pragma once

#include <sys/resource.h>

#include "common/status.h"

namespace rotagent::net {

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force. Under
// the shipped unit both are already LimitNOFILE, so it only checks.
Result<rlim_t> RaiseFdLimit();

}  // namespace rotagent::net
