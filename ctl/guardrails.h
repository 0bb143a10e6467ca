// What must hold before a rotation or resync touches the fabric. Each refusal is
// FAILED_PRECONDITION and names the state or the devices in the way.
#pragma once

#include "ctl/fabric_status.h"
#include "ctl/inventory.h"

namespace rotagent::ctl {

// An administrator's lock, an upgrade in progress or a failed upgrade block every operation.
Status CheckFabricWorkflow(const Inventory& inv);
// Only enabled devices are rotated or resynced.
Status CheckDeviceEnabled(const Device& device);
// A password rotation would add one more password set; refused at max_password_versions.
Status CheckPasswordSets(const Inventory& inv, const FabricStatus& status);

}  // namespace rotagent::ctl
