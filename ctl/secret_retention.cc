#include "ctl/secret_retention.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "ctl/agent_link.h"
#include "ctl/device_status.h"
#include "ctl/ledger.h"

namespace rotagent::ctl {

Result<std::vector<RetentionPlan>> PlanRetention(const Inventory& inv, const SecretStore& store,
                                                 int concurrency) {
  std::vector<RetentionPlan> plans;
  for (const auto& p : inv.password_profiles) {
    RetentionPlan plan{p.name};
    auto current = store.Current(p.name);
    if (!current.ok()) return current.status();
    plan.current = *current;
    plans.push_back(std::move(plan));
  }
  auto ledger = Ledger(inv.state_dir).Load();
  if (!ledger.ok()) return ledger.status();
  // Whether rotctl has sent the device passwords: the ledger's password history names it, or it
  // acknowledged one of the store's labels. Such a device may hold any stored version.
  const auto reached = [&l = *ledger](const std::string& device) {
    const auto h = l.history.find(CredentialClass::kPasswords);
    if (h != l.history.end()) {
      const auto r = h->second.devices.find(device);
      if (r != h->second.devices.end() &&
          (r->second.state == DeviceState::kSucceeded || r->second.state == DeviceState::kFailed)) {
        return true;
      }
    }
    const auto e = l.devices.find(device);
    if (e == l.devices.end()) return false;
    for (const auto& [cred, c] : e->second.credentials) {
      if (cred.rfind("accounts/", 0) == 0 && ParseVersionLabel(c.acknowledged) > 0) return true;
    }
    return false;
  };
  std::mutex mu;
  std::vector<std::string> unasked;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < inv.devices.size();) {
      const Device& d = inv.devices[i];
      auto link = AgentLink::Open(inv, d);
      Result<DeviceStatus> status =
          link.ok() ? FetchDeviceStatus(*link, d.name) : Result<DeviceStatus>(link.status());
      std::lock_guard lock(mu);
      if (!status.ok()) {
        // Never reached by rotctl: it holds none of the store's versions.
        if (reached(d.name)) unasked.push_back(d.name);
        continue;
      }
      for (size_t k = 0; k < plans.size(); ++k) {
        const std::string name = "accounts/" + inv.password_profiles[k].account + "/password";
        for (const auto& c : status->credentials) {
          if (c.name != name) continue;
          // An attempt the device reports but did not commit is held too, to be safe.
          for (const auto* label : {&c.version, &c.attempted_version}) {
            if (const int v = ParseVersionLabel(*label); v > 0) {
              auto& who = plans[k].held_by[v];
              if (std::find(who.begin(), who.end(), d.name) == who.end()) who.push_back(d.name);
            }
          }
        }
      }
    }
  };
  std::vector<std::thread> workers;
  const int n = std::max(1, std::min(concurrency, static_cast<int>(inv.devices.size())));
  workers.reserve(n);
  for (int w = 0; w < n; ++w) workers.emplace_back(work);
  for (auto& w : workers) w.join();
  if (!unasked.empty()) {
    std::sort(unasked.begin(), unasked.end());
    std::string names;
    for (const auto& u : unasked) names += (names.empty() ? "" : ", ") + u;
    return FailedPrecondition(
        "cannot purge: devices that may hold stored passwords did not "
        "answer: " +
        names);
  }
  for (auto& plan : plans) {
    auto versions = store.Versions(plan.profile);
    if (!versions.ok()) return versions.status();
    int oldest_held = plan.current;
    if (!plan.held_by.empty()) oldest_held = std::min(oldest_held, plan.held_by.begin()->first);
    int older_kept = 0;
    for (auto v = versions->rbegin(); v != versions->rend(); ++v) {
      if (*v >= oldest_held || older_kept++ < inv.pki.secrets.keep_older) {
        plan.keep.insert(plan.keep.begin(), *v);
      } else {
        plan.purge.insert(plan.purge.begin(), *v);
      }
    }
  }
  return plans;
}

}  // namespace rotagent::ctl
