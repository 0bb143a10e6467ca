#include "ctl/fabric_status.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

namespace rotagent::ctl {
std::string PasswordSet(const Inventory& inv, const DeviceStatus& d) {
  std::string set;
  for (const auto& p : inv.password_profiles) {
    const std::string name = "accounts/" + p.account + "/password";
    std::string version = "(unversioned)";
    for (const auto& c : d.credentials) {
      if (c.name == name && !c.version.empty()) version = c.version;
    }
    set += name + "=" + version + ";";
  }
  return set;
}

FabricStatus FetchFabricStatus(const Inventory& inv, const FabricTarget& target, int concurrency) {
  FabricStatus out;
  out.fabric = inv.fabric;
  std::vector<const Device*> asked;
  for (const auto& d : inv.devices) {
    if (d.admin_state == "enabled") {
      asked.push_back(&d);
    } else {
      out.skipped.push_back(d.name);
    }
  }
  std::mutex mu;
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < std::max(1, concurrency); ++w) {
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < asked.size();) {
        const Device& d = *asked[i];
        auto link = AgentLink::Open(inv, d);
        auto status =
            link.ok() ? FetchDeviceStatus(*link, d.name) : Result<DeviceStatus>(link.status());
        std::lock_guard lock(mu);
        if (!status.ok()) {
          out.unreachable.push_back(d.name);
          out.problems[d.name] = status.status().message();
          continue;
        }
        if (std::string problem = SyncProblem(inv, target, *status); !problem.empty()) {
          out.out_of_sync.push_back(d.name);
          out.problems[d.name] = std::move(problem);
        } else {
          out.in_sync.push_back(d.name);
        }
        out.devices.push_back(std::move(*status));
      }
    });
  }
  for (auto& w : workers) w.join();
  std::set<std::string> sets;
  for (const auto& d : out.devices) {
    if (std::string set = PasswordSet(inv, d); !set.empty()) sets.insert(set);
    for (const auto& c : d.credentials) {
      out.last_rotation_time = std::max(out.last_rotation_time, c.last_rotation_time);
    }
  }
  out.unique_password_sets = sets.size();
  for (auto* list : {&out.in_sync, &out.out_of_sync, &out.unreachable, &out.skipped}) {
    std::sort(list->begin(), list->end());
  }
  return out;
}

nlohmann::json FabricStatusJson(const FabricStatus& s, size_t total_devices) {
  return {{"fabric", s.fabric},
          {"lastRotationTime", RenderTime(s.last_rotation_time)},
          {"totalDevices", total_devices},
          {"inSyncDeviceIds", s.in_sync},
          {"outOfSyncDeviceIds", s.out_of_sync},
          {"unreachableDeviceIds", s.unreachable},
          {"skippedDeviceIds", s.skipped},
          {"uniquePasswordSetCount", s.unique_password_sets},
          {"problems", s.problems}};
}

}  // namespace rotagent::ctl
