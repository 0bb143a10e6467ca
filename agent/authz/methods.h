// The gRPC methods the agent serves, and the keys of config's `authorization` map that name them:
// a full method ("/gnmi.gNMI/Set"), a whole service ("/gnmi.gNMI/*", or the bare service name
// "gnmi.gNMI" kept from the per-service form).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace rotagent::authz {

// Full method names, "/<package>.<Service>/<Method>".
const std::vector<std::string>& KnownMethods();
// OK if `key` names a served method or service; INVALID_ARGUMENT saying what is served otherwise.
Status CheckRuleKey(const std::string& key);
// The rule keys that grant `method`, most specific first.
std::vector<std::string> KeysFor(const std::string& method);

}  // namespace rotagent::authz
