// State-tree leaves as gNMI Notifications, shared by Get and Subscribe.
#pragma once

#include <vector>

#include "agent/state/tree.h"
#include "gnmi/gnmi.pb.h"

namespace rotagent::gnmi_service {

// One Notification per origin holding `updated` and `deleted`.
std::vector<gnmi::Notification> Notifications(const std::vector<state::Leaf>& updated,
                                              const std::vector<state::Leaf>& deleted,
                                              gnmi::Encoding enc);

}  // namespace rotagent::gnmi_service
