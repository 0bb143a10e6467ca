// platform.opengear: where ogcli and the configuration database are, and which certz profile
// serves the Opengear's HTTPS.
#pragma once

#include <filesystem>
#include <string>

#include "platform/platform_config.h"

namespace rotagent::platform {

// Opengear: ogcli with every value on stdin; a rollback re-applies the previous values.
struct OpengearConfig final : KindOptions {
  std::string ogcli = "/usr/bin/ogcli";
  std::filesystem::path config_db =
      "/etc/config/ngcs.db";           // no longer used: never copied or replaced
  std::string https_profile = "gnsi";  // the certz profile whose certificate serves HTTPS
  std::string login_proof = "ssh";
};

}  // namespace rotagent::platform
