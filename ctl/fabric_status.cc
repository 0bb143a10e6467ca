#include "ctl/fabric_status.h"

#include <algorithm>
#include <atomic>
#include <ctime>
#include <mutex>
#include <set>
#include <thread>

#include "ctl/parallel.h"
#include "ctl/secret_store.h"

namespace rotagent::ctl {
namespace {

struct Answer {
  std::optional<DeviceStatus> status;
  std::string error;
};

std::map<std::string, Answer> AskEnabled(const Inventory& inv, int concurrency) {
  std::vector<const Device*> asked;
  for (const auto& d : inv.devices) {
    if (d.admin_state == "enabled") asked.push_back(&d);
  }
  std::map<std::string, Answer> out;
  std::mutex mu;
  ForEachConcurrently(asked.size(), concurrency, [&](size_t i) {
    const Device& d = *asked[i];
    auto link = AgentLink::Open(inv, d);
    auto status =
        link.ok() ? FetchDeviceStatus(*link, d.name) : Result<DeviceStatus>(link.status());
    const std::lock_guard lock(mu);
    Answer& a = out[d.name];
    if (status.ok()) {
      a.status = std::move(*status);
    } else {
      a.error = status.status().message();
    }
  });
  return out;
}

// Stores what the answering devices hold; keeps the last known for the others.
void Record(LedgerData& l, const Inventory& inv, const std::map<std::string, Answer>& answers) {
  const int64_t now = time(nullptr);
  for (const auto& [name, a] : answers) {
    DeviceEntry& e = l.devices[name];
    if (!a.status) {
      e.last_error = a.error;
      continue;
    }
    e.last_seen = now;
    e.last_error.clear();
    const Device* device = inv.Find(name);
    for (const auto& [cred, intent] : WantedIntents(inv, {}, *device)) {
      std::string version;
      for (const auto& c : a.status->credentials) {
        if (c.name == cred) version = c.version;
      }
      CredentialEntry& c = e.credentials[cred];
      if (c.acknowledged != version) {
        c.acknowledged = version;
        c.acknowledged_at = now;
      }
    }
  }
  // Devices no longer in the inventory are forgotten.
  for (auto it = l.devices.begin(); it != l.devices.end();) {
    it = inv.Find(it->first) == nullptr ? l.devices.erase(it) : std::next(it);
  }
}

DeviceView View(const Inventory& inv, const FabricTarget& target, const Device& d,
                const Answer* answer, const LedgerData& l) {
  DeviceView v{d.name, d.admin_state};
  v.asked = answer != nullptr;
  v.reachable = answer != nullptr && answer->status.has_value();
  const auto entry = l.devices.find(d.name);
  if (entry != l.devices.end()) v.last_seen = entry->second.last_seen;
  const auto wanted = WantedIntents(inv, target, d);
  for (const auto& [cred, intent] : wanted) {
    std::string label;
    if (v.reachable) {
      for (const auto& c : answer->status->credentials) {
        if (c.name == cred) label = c.version;
      }
    } else if (entry != l.devices.end()) {
      const auto c = entry->second.credentials.find(cred);
      if (c != entry->second.credentials.end()) label = c->second.acknowledged;
    }
    v.held[cred] = label;
    if (intent > 0 && IntentOf(label) < intent) v.behind.push_back(cred);
  }
  if (d.admin_state != "enabled") {
    v.reasons.push_back("skipped: admin state " + d.admin_state);
  } else if (!v.reachable) {
    v.reasons.push_back("unreachable: " + answer->error);
  }
  if (v.reachable) {
    v.reasons = SyncProblems(inv, target, d, *answer->status);
  } else {
    for (const auto& cred : v.behind) {
      const std::string& label = v.held[cred];
      v.reasons.push_back(cred + " last known at " + (label.empty() ? "no version" : label) +
                          ", the fabric is at " + VersionLabel(wanted.at(cred)));
    }
  }
  return v;
}

void CountPasswordSets(const Inventory& inv, FabricStatus& s) {
  for (size_t i = 0; i < inv.devices.size(); ++i) {
    const Device& d = inv.devices[i];
    const DeviceView& v = s.views[i];
    for (const auto& p : inv.PlanFor(d).passwords) {
      const auto held = v.held.find("accounts/" + p.account + "/password");
      const int intent = held == v.held.end() ? 0 : IntentOf(held->second);
      s.password_holders[p.name][intent > 0 ? VersionLabel(intent) : "initial"].push_back(
          d.name + (v.reachable ? "" : " (last known)"));
    }
  }
  for (const auto& [profile, holders] : s.password_holders) {
    s.unique_password_sets = std::max(s.unique_password_sets, holders.size());
  }
}

}  // namespace

FabricStatus FetchFabricStatus(const Inventory& inv, const FabricTarget& target, int concurrency) {
  FabricStatus out;
  out.fabric = inv.fabric;
  const auto answers = AskEnabled(inv, concurrency);
  const Ledger ledger(inv.state_dir);
  LedgerData l;
  // Without a writable ledger the status still shows what answered now.
  (void)ledger.Update([&](LedgerData& data) {
    Record(data, inv, answers);
    l = data;
  });
  for (const auto& d : inv.devices) {
    const auto a = answers.find(d.name);
    DeviceView v = View(inv, target, d, a == answers.end() ? nullptr : &a->second, l);
    if (d.admin_state != "enabled") {
      out.skipped.push_back(d.name);
    } else if (!v.reachable) {
      out.unreachable.push_back(d.name);
    } else if (v.reasons.empty()) {
      out.in_sync.push_back(d.name);
    } else {
      out.out_of_sync.push_back(d.name);
    }
    if (!v.behind.empty()) out.behind.push_back(d.name);
    if (v.reachable) out.devices.push_back(*a->second.status);
    out.views.push_back(std::move(v));
  }
  for (const auto& d : out.devices) {
    for (const auto& c : d.credentials) {
      out.last_rotation_time = std::max(out.last_rotation_time, c.last_rotation_time);
    }
  }
  CountPasswordSets(inv, out);
  for (auto* list : {&out.in_sync, &out.out_of_sync, &out.unreachable, &out.skipped, &out.behind}) {
    std::sort(list->begin(), list->end());
  }
  return out;
}

nlohmann::json FabricStatusJson(const FabricStatus& s, size_t total_devices) {
  nlohmann::json devices = nlohmann::json::object();
  nlohmann::json problems = nlohmann::json::object();
  for (const auto& v : s.views) {
    devices[v.device] = {{"adminState", v.admin_state},
                         {"reachable", v.reachable},
                         {"source", v.reachable ? "live" : "ledger"},
                         {"lastSeen", RenderTime(v.last_seen)},
                         {"held", v.held},
                         {"behind", v.behind},
                         {"reasons", v.reasons}};
    if (!v.reasons.empty()) problems[v.device] = v.reasons;
  }
  return {{"fabric", s.fabric},
          {"lastRotationTime", RenderTime(s.last_rotation_time)},
          {"totalDevices", total_devices},
          {"inSyncDeviceIds", s.in_sync},
          {"outOfSyncDeviceIds", s.out_of_sync},
          {"behindDeviceIds", s.behind},
          {"unreachableDeviceIds", s.unreachable},
          {"skippedDeviceIds", s.skipped},
          {"uniquePasswordSetCount", s.unique_password_sets},
          {"passwordSets", s.password_holders},
          {"problems", problems},
          {"devices", devices}};
}

}  // namespace rotagent::ctl
