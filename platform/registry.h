// Platform kinds register themselves here (name, parser of their config section, factory), so
// neither the daemon core nor the config parser names any: adding a kind is adding its files.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "platform/platform.h"

namespace rotagent::platform {

struct PlatformKind {
  std::string name;  // platform.kind
  // Parses platform.<name> (an undefined node when absent), failing through the Reader; empty
  // when the kind has no section. Every kind's section is parsed, whichever kind is selected.
  std::function<std::shared_ptr<const KindOptions>(const Reader&, const YAML::Node&,
                                                   const ParseContext&)>
      parse;
  std::function<Result<std::unique_ptr<Platform>>(const PlatformConfig&)> create;
};

// Adds `kind`; a second kind of the same name is a programming error (std::logic_error).
void RegisterKind(PlatformKind kind);
// Registers at static initialization: `const Registrar kRegistrar{{...}};` in the kind's file.
struct Registrar {
  explicit Registrar(PlatformKind kind) { RegisterKind(std::move(kind)); }
};

// Registered kinds: "linux" (the default) first, then by name.
std::vector<std::string> KindNames();
// "linux, eos or opengear": the registered kinds, for messages.
std::string KindNamesText();
// The kind named `name`, or nullptr.
const PlatformKind* FindKind(const std::string& name);

// The platform of config.kind; InvalidArgument for an unregistered kind.
Result<std::unique_ptr<Platform>> Create(const PlatformConfig& config);

}  // namespace rotagent::platform
