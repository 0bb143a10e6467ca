// system_default_profile's material: vendor files named in config, or, for labs, a CA and
// identities generated once on first start and kept under <state>/bootstrap.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "agent/certz/material.h"
#include "common/status.h"

namespace rotagent::tls {

// Generates (first start) or reloads the lab CA, the server identity for `hostnames`, and an
// admin client identity (CN=rotagent-admin) that operators and rotctl connect with.
Result<certz::ProfileMaterial> BootstrapIdentity(const std::filesystem::path& state_dir,
                                                 const std::vector<std::string>& hostnames);

Result<certz::ProfileMaterial> LoadIdentityFiles(const std::string& cert, const std::string& key,
                                                 const std::string& trust_bundle);

}  // namespace rotagent::tls
