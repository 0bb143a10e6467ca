#include "common/failpoint.h"

#include <csignal>
#include <cstdlib>
#include <string>

namespace rotagent {

void Failpoint(std::string_view name) {
  static const std::string armed = [] {
    const char* v = std::getenv("ROTAGENT_FAILPOINT");
    return std::string(v != nullptr ? v : "");
  }();
  if (!armed.empty() && armed == name) std::raise(SIGKILL);
}

}  // namespace rotagent
