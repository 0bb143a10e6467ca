#include "platform/registry.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace rotagent::platform {
namespace {

// Function-local, so kinds registering from other translation units' static initializers find
// it constructed.
std::map<std::string, PlatformKind>& Kinds() {
  static std::map<std::string, PlatformKind> kinds;
  return kinds;
}

}  // namespace

std::string KindNamesText() {
  const std::vector<std::string> names = KindNames();
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

void RegisterKind(PlatformKind kind) {
  const std::string name = kind.name;
  if (!Kinds().emplace(name, std::move(kind)).second) {
    throw std::logic_error("platform kind '" + name + "' registered twice");
  }
}

std::vector<std::string> KindNames() {
  const std::string default_kind = PlatformConfig{}.kind;
  std::vector<std::string> names;
  for (const auto& [name, kind] : Kinds()) names.push_back(name);
  std::stable_partition(names.begin(), names.end(),
                        [&](const std::string& n) { return n == default_kind; });
  return names;
}

const PlatformKind* FindKind(const std::string& name) {
  auto it = Kinds().find(name);
  return it == Kinds().end() ? nullptr : &it->second;
}

Result<std::unique_ptr<Platform>> Create(const PlatformConfig& config) {
  const PlatformKind* kind = FindKind(config.kind);
  if (kind == nullptr) {
    return InvalidArgument("platform.kind '" + config.kind +
                           "' is not supported (supported: " + KindNamesText() + ")");
  }
  return kind->create(config);
}

std::vector<Capability> CapabilitiesOf(Platform& platform) {
  return {{"certificates", true},
          {"accounts", platform.Accounts() != nullptr},
          {"ssh-host", platform.SshHost() != nullptr}};
}

Status Missing(const Platform& platform, const std::string& capability, const std::string& what) {
  return {Code::kUnimplemented, "platform '" + platform.Name() + "' has no " + capability +
                                    " capability: " + what + " is not supported on it"};
}

}  // namespace rotagent::platform
