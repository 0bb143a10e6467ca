// Runs an operator-configured hook: argv from config, facts in the environment, never a secret
// on the command line, bounded in time.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace rotagent::platform {

// The hook starts with an empty signal mask, default dispositions, umask 022, stdin on /dev/null,
// none of the agent's descriptors, and only LANG=C.UTF-8, PATH=/usr/sbin:/usr/bin:/sbin:/bin and
// `env`: nothing of the agent's own environment. INVALID_ARGUMENT if a value in `env` holds a
// control character.
Status RunHook(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               int timeout_seconds);

}  // namespace rotagent::platform
