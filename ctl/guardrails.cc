#include "ctl/guardrails.h"

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
  // Name who holds what, so the operator knows which devices to resync or bring back.
  std::string detail;
  for (const auto& [profile, holders] : status.password_holders) {
    if (static_cast<int>(holders.size()) < inv.max_password_versions) continue;
    for (const auto& [label, devices] : holders) {
      std::string list;
      for (const auto& d : devices) list += (list.empty() ? "" : ", ") + d;
      detail += (detail.empty() ? "" : "; ") + profile + " " + label + " on " + list;
    }
  }
  return FailedPrecondition("fabric " + inv.fabric + " already holds " +
                            std::to_string(status.unique_password_sets) +
                            " distinct password sets (max_password_versions " +
                            std::to_string(inv.max_password_versions) +
                            "), counting every "
                            "device with its last known versions: " +
                            detail + "; run `rotctl fabric resync-passwords` first");
}

}  // namespace rotagent::ctl
