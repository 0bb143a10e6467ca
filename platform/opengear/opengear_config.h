// platform.opengear: where ogcli and the configuration database are, and which certz profile
// serves the Opengear's HTTPS.
#pragma once

#include <filesystem>
#include <string>

#include "platform/platform_config.h"

namespace rotagent::platform {

// Opengear: ogcli with every value on stdin, the config database snapshotted before a change.
struct OpengearConfig final : KindOptions {
  std::string ogcli = "/usr/bin/ogcli";
  std::filesystem::path config_db = "/etc/config/ngcs.db";
  std::string https_profile = "gnsi";  // the certz profile whose certificate serves HTTPS
  std::string login_proof = "ssh";
};

}  // namespace rotagent::platform
