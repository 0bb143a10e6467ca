// Runs an operator-configured hook: argv from config, facts in the environment, never a secret
// on the command line, bounded in time.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace rotagent::platform {

Status RunHook(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               int timeout_seconds);

}  // namespace rotagent::platform
