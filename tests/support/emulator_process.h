// A device emulator run beside the agent: started with its output on a pipe, ready once it
// prints "ready" (no timer), killed when the object goes.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace rotagent::testing {

class EmulatorProcess {
 public:
  // Throws if the emulator exits or stays silent for 20 s.
  explicit EmulatorProcess(const std::vector<std::string>& argv);
  ~EmulatorProcess();
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;
  // What it printed up to "ready".
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  std::string output_;
};

}  // namespace rotagent::testing
