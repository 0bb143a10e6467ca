// Registers the EOS platform (platform.kind: eos) and parses platform.eos.
#include "common/yaml_reader.h"
#include "platform/eos/eos_config.h"
#include "platform/eos/eos_platform.h"
#include "platform/registry.h"

namespace rotagent::platform::eos {
namespace {

std::shared_ptr<const KindOptions> Parse(const Reader& r, const YAML::Node& n,
                                         const ParseContext& context) {
  auto e = std::make_shared<EosConfig>();
  r.AllowKeys(n, "platform.eos",
              {"socket", "https", "timeout", "commit_timer", "login_proof", "listeners"});
  e->socket = r.Str(At(n, "socket"), "platform.eos.socket", e->socket);
  const YAML::Node https = At(n, "https");
  r.AllowKeys(https, "platform.eos.https", {"address", "ca_file", "user", "password_file"});
  if (https.IsDefined() && !https.IsNull()) {
    e->https_address = r.Required(https, "address", "platform.eos.https.address");
    e->https_ca_file = r.Str(At(https, "ca_file"), "platform.eos.https.ca_file", "");
    e->https_user = r.Required(https, "user", "platform.eos.https.user");
    e->https_password_file = r.Required(https, "password_file", "platform.eos.https.password_file");
  }
  e->timeout_seconds = r.Int(At(n, "timeout"), "platform.eos.timeout", e->timeout_seconds, 1, 600);
  e->commit_timer_seconds =
      r.Int(At(n, "commit_timer"), "platform.eos.commit_timer", e->commit_timer_seconds, 2, 86400);
  e->login_proof = ParseLoginProof(r, n, "platform.eos.login_proof");
  // ssl profile -> host:port of a listener serving it, proven by a TLS handshake after a change
  const YAML::Node listeners = At(n, "listeners");
  if (listeners.IsDefined() && !listeners.IsNull()) {
    if (!listeners.IsMap()) {
      r.Fail(listeners, "platform.eos.listeners", "expected a mapping of ssl profile to host:port");
    }
    for (const auto& kv : listeners) {
      const std::string key = "platform.eos.listeners." + kv.first.as<std::string>();
      const std::string address = r.Str(kv.second, key, "");
      const size_t colon = address.rfind(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == address.size() ||
          address.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
        r.Fail(kv.second, key, "expected host:port, got '" + address + "'");
      }
      e->listeners[kv.first.as<std::string>()] = address;
    }
  }
  // EOS must not roll back by itself while the agent still waits for Finalize.
  if (context.selected && e->commit_timer_seconds <= context.longest_confirm_seconds) {
    r.Fail(At(n, "commit_timer"), "platform.eos.commit_timer",
           "must be longer than the longest confirm_timeout (" +
               std::to_string(context.longest_confirm_seconds) + " s)");
  }
  return e;
}

const Registrar kEos{{
    .name = "eos",
    .parse = Parse,
    .create = [](const PlatformConfig& config) -> Result<std::unique_ptr<Platform>> {
      return std::unique_ptr<Platform>(new EosPlatform(config));
    },
}};

}  // namespace
}  // namespace rotagent::platform::eos
