// Runs a helper program for tests (ssh-keygen, useradd, chpasswd), feeding `input` on stdin so
// no secret is on a command line. Returns the exit code; output goes to `output` if given.
#pragma once

#include <string>
#include <vector>

namespace rotagent::testing {

int RunCommand(const std::vector<std::string>& argv, const std::string& input = "",
               std::string* output = nullptr);

}  // namespace rotagent::testing
