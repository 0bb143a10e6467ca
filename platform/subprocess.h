// Runs a box tool (ogcli, ...) with its input on stdin, never on the command line, and collects
// what it prints, bounded in time. Nothing it reads or prints is logged here.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace rotagent::platform {

struct ProcessOutput {
  int exit_code = -1;  // -1: killed by a signal
  std::string out, err;
};

// UNAVAILABLE when the tool cannot be started, DEADLINE_EXCEEDED when it runs too long.
Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv, const std::string& input,
                                 int timeout_seconds);

}  // namespace rotagent::platform
