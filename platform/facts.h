// What the agent reports about the box it runs on (/rotation/agent/state/platform-*).
#pragma once

#include <string>

namespace rotagent::platform {

struct Facts {
  std::string kind;   // the platform.kind, e.g. "linux"
  std::string os;     // OS name and version, e.g. "Linux 6.1.0" or "4.31.2F"; empty: unknown
  std::string model;  // hardware model or machine; empty: unknown
};

}  // namespace rotagent::platform
