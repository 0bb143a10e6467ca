// Registers the Linux platform (platform.kind: linux, the default). It has no section of its own:
// it reads platform.ssh and the certz profiles' install targets.
#include "platform/linux/linux_platform.h"
#include "platform/registry.h"

namespace rotagent::platform {
namespace {

const Registrar kLinux{{
    .name = "linux",
    .parse = nullptr,
    .create = [](const PlatformConfig& config) -> Result<std::unique_ptr<Platform>> {
      auto linux_platform = std::make_unique<LinuxPlatform>(config);
      linux_platform->RemoveCrashLeftovers();
      return std::unique_ptr<Platform>(std::move(linux_platform));
    },
}};

}  // namespace
}  // namespace rotagent::platform
