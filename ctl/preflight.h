// Pre-flight: before an operation touches any device, each targeted device is asked whether it
// can take its plan: it must answer (transient errors retried per the inventory's retry policy),
// its agent's own admin-state must be enabled (read over gNMI; the inventory's admin_state is
// checked before), and it must define every certz profile and manage every account of its plan
// (certz GetProfileList; the agent's managed-account list over gNMI). Nothing is changed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ctl/inventory.h"
#include "ctl/operation_kind.h"

namespace rotagent::ctl {

// Device -> every reason it cannot take the operation; devices that passed are absent.
std::map<std::string, std::vector<std::string>> Preflight(const Inventory& inv,
                                                          const std::vector<const Device*>& devices,
                                                          CredentialClass what, int concurrency);

}  // namespace rotagent::ctl
