// The fabric's state as its devices report it: which are in sync, which are not (and why), which
// could not be asked, which were skipped for their admin state, and how many distinct password
// sets the fabric holds (more than one means a rotation has not converged).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ctl/device_status.h"
#include "ctl/fabric_versions.h"
#include "ctl/inventory.h"

namespace rotagent::ctl {

struct FabricStatus {
  std::string fabric;
  std::vector<std::string> in_sync, out_of_sync, unreachable, skipped;
  std::map<std::string, std::string> problems;  // device -> why it is out of sync or unreachable
  std::vector<DeviceStatus> devices;            // those that answered
  size_t unique_password_sets = 0;
  int64_t last_rotation_time = 0;
};

// The device's password version for each managed account, as one string: equal strings mean
// the same passwords. An account reported without a version holds a password of its own.
std::string PasswordSet(const Inventory& inv, const DeviceStatus& d);

// Asks every enabled device, `concurrency` at a time, and compares what each holds with `target`.
FabricStatus FetchFabricStatus(const Inventory& inv, const FabricTarget& target, int concurrency);
nlohmann::json FabricStatusJson(const FabricStatus& s, size_t total_devices);

}  // namespace rotagent::ctl
