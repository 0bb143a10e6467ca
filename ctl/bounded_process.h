// Runs an external program rotctl is configured with (a command signer) in its own process group,
// its input on stdin and never on the command line, with a deadline and a cap on what it may
// print: a program that hangs or floods is killed with its whole group.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace rotagent::ctl {

struct BoundedOutput {
  int exit_code = -1;  // -1: killed by a signal
  std::string out, err;
};

struct ProcessLimits {
  int timeout_seconds = 30;
  size_t max_output = size_t{1} << 20;  // stdout, bytes
  size_t max_error = 4096;              // stderr kept, bytes; the rest is read and dropped
};

// UNAVAILABLE when it cannot be started, DEADLINE_EXCEEDED when it runs too long,
// RESOURCE_EXHAUSTED when it prints more than max_output. `env` entries ("K=V") are added to
// rotctl's environment.
Result<BoundedOutput> RunBounded(const std::vector<std::string>& argv, const std::string& input,
                                 const std::vector<std::string>& env, const ProcessLimits& limits);

}  // namespace rotagent::ctl
