#include "ctl/guardrails.h"

#include <map>

namespace rotagent::ctl {

Status CheckFabricWorkflow(const Inventory& inv) {
  if (inv.administrative_lock) {
    return FailedPrecondition("fabric " + inv.fabric +
                              " is locked by an administrator (administrative_lock in " +
                              inv.source + "); unlock it first");
  }
  if (inv.upgrade_status == "in-progress") {
    return FailedPrecondition("fabric " + inv.fabric +
                              " is upgrading (upgrade_status: in-progress); retry once the "
                              "upgrade has succeeded");
  }
  if (inv.upgrade_status == "failed") {
    return FailedPrecondition("fabric " + inv.fabric +
                              " has a failed upgrade (upgrade_status: failed); finish the "
                              "upgrade first");
  }
  return Status::Ok();
}

Status CheckDeviceEnabled(const Device& device) {
  if (device.admin_state == "enabled") return Status::Ok();
  return FailedPrecondition("device " + device.name + " is " + device.admin_state +
                            "; only enabled devices are rotated or resynced");
}

Status CheckPasswordSets(const Inventory& inv, const FabricStatus& status) {
  if (static_cast<int>(status.unique_password_sets) < inv.max_password_versions) {
    return Status::Ok();
  }
  // Name who holds what, so the operator knows which devices to resync.
  std::map<std::string, std::string> holders;  // password set -> devices
  for (const auto& d : status.devices) {
    std::string& list = holders[PasswordSet(inv, d)];
    list += (list.empty() ? "" : " ") + d.device;
  }
  std::string detail;
  for (const auto& [set, devices] : holders) {
    detail += (detail.empty() ? "" : "; ") + devices + " hold " + set;
  }
  return FailedPrecondition("fabric " + inv.fabric + " already holds " +
                            std::to_string(status.unique_password_sets) +
                            " distinct password sets (max_password_versions " +
                            std::to_string(inv.max_password_versions) + "): " + detail +
                            "; run `rotctl fabric resync-passwords` first");
}

}  // namespace rotagent::ctl
