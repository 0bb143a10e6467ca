// Registers the Opengear platform (platform.kind: opengear) and parses platform.opengear.
#include "common/yaml_reader.h"
#include "platform/opengear/opengear_config.h"
#include "platform/opengear/opengear_platform.h"
#include "platform/registry.h"

namespace rotagent::platform::opengear {
namespace {

std::shared_ptr<const KindOptions> Parse(const Reader& r, const YAML::Node& n,
                                         const ParseContext& /*context*/) {
  auto o = std::make_shared<OpengearConfig>();
  r.AllowKeys(n, "platform.opengear", {"ogcli", "config_db", "https_profile", "login_proof"});
  o->https_profile =
      r.Str(At(n, "https_profile"), "platform.opengear.https_profile", o->https_profile);
  o->ogcli = r.Str(At(n, "ogcli"), "platform.opengear.ogcli", o->ogcli);
  o->config_db = r.Str(At(n, "config_db"), "platform.opengear.config_db", o->config_db.string());
  o->login_proof = ParseLoginProof(r, n, "platform.opengear.login_proof");
  return o;
}

const Registrar kOpengear{{
    .name = "opengear",
    .parse = Parse,
    .create = [](const PlatformConfig& config) -> Result<std::unique_ptr<Platform>> {
      return std::unique_ptr<Platform>(new OpengearPlatform(config));
    },
}};

}  // namespace
}  // namespace rotagent::platform::opengear
