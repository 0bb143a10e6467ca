// rotctl fabric show, rotctl expiry
#include <algorithm>
#include <ctime>
#include <iostream>

#include "ctl/cli.h"
#include "ctl/fabric_status.h"
#include "ctl/operation_runner.h"
#include "ctl/prometheus.h"

namespace rotagent::ctl {
namespace {

// "30d", "12h", "90m" or a number of days, in seconds; -1 when malformed.
int64_t ParseWithin(const std::string& text) {
  size_t used = 0;
  int64_t n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (const std::exception&) {
    return -1;
  }
  const std::string unit = text.substr(used);
  if (n < 0) return -1;
  if (unit.empty() || unit == "d") return n * 86400;
  if (unit == "h") return n * 3600;
  if (unit == "m") return n * 60;
  return -1;
}

int64_t ParseTime(const std::string& rfc3339) {
  tm t{};
  if (strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%SZ", &t) == nullptr) return 0;
  return timegm(&t);
}

}  // namespace

int FabricShow(const Inventory& inv, const Options& o) {
  auto target = LoadTarget(inv);
  if (!target.ok()) return Fail(target.status());
  const auto s = FetchFabricStatus(inv, *target, o.concurrency);
  // The rotation state: the last operation and, per device, the outcome of the last one that
  // reached it.
  if (o.prometheus()) {
    std::cout << FabricMetrics(inv, s, time(nullptr));
    return s.out_of_sync.empty() && s.unreachable.empty() ? kExitOk : kExitPartial;
  }
  const FabricHistory history = LoadHistory(inv);
  std::string state = "None";
  if (!history.last_operation.empty()) {
    auto op = OperationLog(inv.state_dir).Load(history.last_operation);
    state = op.ok() ? op->status : "Unknown";
  }
  std::vector<std::string> succeeded, failed;
  for (const auto& [device, outcome] : history.outcomes) {
    (outcome == "Succeeded" ? succeeded : failed).push_back(device);
  }
  if (o.json()) {
    auto j = FabricStatusJson(s, inv.devices.size());
    j["state"] = state;
    j["lastOperation"] = history.last_operation;
    j["succeededDeviceIds"] = succeeded;
    j["failedDeviceIds"] = failed;
    std::cout << j.dump(2) << "\n";
  } else {
    PrintTable(
        {{"fabric", s.fabric},
         {"state",
          state + (history.last_operation.empty() ? "" : " (" + history.last_operation + ")")},
         {"last rotation", RenderTime(s.last_rotation_time)},
         {"devices", std::to_string(inv.devices.size())},
         {"succeeded", Join(succeeded)},
         {"failed", Join(failed)},
         {"in sync", Join(s.in_sync)},
         {"out of sync", Join(s.out_of_sync)},
         {"unreachable", Join(s.unreachable)},
         {"skipped", Join(s.skipped)},
         {"password sets", std::to_string(s.unique_password_sets)}});
    for (const auto& [device, problem] : s.problems) std::cout << device << ": " << problem << "\n";
  }
  return s.out_of_sync.empty() && s.unreachable.empty() ? kExitOk : kExitPartial;
}

int ExpiryReport(const Inventory& inv, const Options& o) {
  const int64_t within = ParseWithin(o.within);
  if (within < 0) return Fail(InvalidArgument("--within takes e.g. 30d, 12h or 90m"));
  auto target = LoadTarget(inv);
  if (!target.ok()) return Fail(target.status());
  const auto s = FetchFabricStatus(inv, *target, o.concurrency);
  struct Entry {
    int64_t expires;
    std::string device;
    const CredentialStatus* credential;
  };
  if (o.prometheus()) {  // every certificate, not a window: series must not come and go
    std::cout << CredentialMetrics(s, time(nullptr));
    return s.unreachable.empty() ? kExitOk : kExitPartial;
  }
  const int64_t now = time(nullptr);
  std::vector<Entry> found;
  for (const auto& d : s.devices) {
    for (const auto& c : d.credentials) {
      if (c.expire_time.empty()) continue;
      const int64_t t = ParseTime(c.expire_time);
      if (t != 0 && t - now <= within) found.push_back({t, d.device, &c});
    }
  }
  std::sort(found.begin(), found.end(), [](const Entry& a, const Entry& b) {
    return a.expires != b.expires ? a.expires < b.expires : a.device < b.device;
  });
  if (o.take > 0 && found.size() > static_cast<size_t>(o.take)) found.resize(o.take);
  if (o.json()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : found) {
      out.push_back({{"device", e.device},
                     {"credential", e.credential->name},
                     {"certificateType", e.credential->type},
                     {"version", e.credential->version},
                     {"expireTime", e.credential->expire_time},
                     {"secondsLeft", e.expires - now}});
    }
    std::cout << out.dump(2) << "\n";
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"DEVICE", "CREDENTIAL", "TYPE", "VERSION", "EXPIRES", "DAYS LEFT"}};
    for (const auto& e : found) {
      rows.push_back({e.device, e.credential->name, e.credential->type, e.credential->version,
                      e.credential->expire_time, std::to_string((e.expires - now) / 86400)});
    }
    PrintTable(rows);
  }
  if (!s.unreachable.empty()) {
    std::cerr << "rotctl: not asked (unreachable): " << Join(s.unreachable) << "\n";
  }
  return s.unreachable.empty() ? kExitOk : kExitPartial;
}

}  // namespace rotagent::ctl
