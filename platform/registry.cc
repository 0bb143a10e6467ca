// Maps a config kind to its adapter; the only place that names every platform.
#include "platform/linux/linux_platform.h"
#include "platform/platform.h"

namespace rotagent::platform {

Result<std::unique_ptr<Platform>> Create(const PlatformConfig& config) {
  if (config.kind == "linux") return std::unique_ptr<Platform>(new LinuxPlatform(config));
  return InvalidArgument("platform.kind '" + config.kind + "' is not supported (supported: linux)");
}

}  // namespace rotagent::platform
