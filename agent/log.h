// Logging: plain lines to stderr (journald adds time and unit), gRPC's own logs routed through.
#pragma once

#include <string>

namespace rotagent {

void SetupLogging(const std::string& level);
void SetLogLevel(const std::string& level);

}  // namespace rotagent
