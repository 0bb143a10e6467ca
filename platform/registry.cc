// Maps a config kind to its adapter; the only place that names every platform.
#include "platform/eos/eos_platform.h"
#include "platform/linux/linux_platform.h"
#include "platform/opengear/opengear_platform.h"
#include "platform/platform.h"

namespace rotagent::platform {

Result<std::unique_ptr<Platform>> Create(const PlatformConfig& config) {
  if (config.kind == "linux") {
    auto linux_platform = std::make_unique<LinuxPlatform>(config);
    linux_platform->RemoveCrashLeftovers();
    return std::unique_ptr<Platform>(std::move(linux_platform));
  }
  if (config.kind == "eos") return std::unique_ptr<Platform>(new eos::EosPlatform(config));
  if (config.kind == "opengear") {
    return std::unique_ptr<Platform>(new opengear::OpengearPlatform(config));
  }
  return InvalidArgument("platform.kind '" + config.kind +
                         "' is not supported (supported: linux, eos, opengear)");
}

}  // namespace rotagent::platform
