// The fabric's state: every device of the inventory with the versions it holds, asked live over
// gNMI when it is enabled and answers, otherwise as the ledger last knew it (marked so). From it:
// which devices are in sync, out of sync (every reason), behind the fabric's intent, unreachable
// or skipped for their admin state, and how many distinct password sets the fabric holds.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ctl/device_status.h"
#include "ctl/fabric_versions.h"
#include "ctl/inventory.h"
#include "ctl/ledger.h"

namespace rotagent::ctl {

struct DeviceView {
  std::string device, admin_state;
  bool asked = false;      // enabled in the inventory, so asked over gNMI
  bool reachable = false;  // it answered now; otherwise `held` is the ledger's last known
  int64_t last_seen = 0;
  std::map<std::string, std::string> held;  // plan credential -> label it holds ("" none known)
  std::vector<std::string> behind;          // plan credentials holding an older intent
  std::vector<std::string> reasons;         // every reason it is not in sync
};

struct FabricStatus {
  std::string fabric;
  std::vector<std::string> in_sync, out_of_sync, unreachable, skipped, behind;
  std::vector<DeviceStatus> devices;  // live reports of those that answered
  std::vector<DeviceView> views;      // every device of the inventory, in its order
  // Per password profile: label held ("initial" when never rotated by rotctl) -> its holders,
  // devices not asked live marked "(last known)".
  std::map<std::string, std::map<std::string, std::vector<std::string>>> password_holders;
  size_t unique_password_sets = 0;  // the most labels any one profile has across the fabric
  int64_t last_rotation_time = 0;
};

// Asks every enabled device, `concurrency` at a time, records what the devices report in the
// ledger, and compares every device's versions (live or last known) with `target`.
FabricStatus FetchFabricStatus(const Inventory& inv, const FabricTarget& target, int concurrency);
nlohmann::json FabricStatusJson(const FabricStatus& s, size_t total_devices);

}  // namespace rotagent::ctl
