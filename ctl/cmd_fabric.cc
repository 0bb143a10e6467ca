// rotctl fabric show, rotctl expiry
#include <algorithm>
#include <ctime>
#include <iostream>
#include <map>

#include "ctl/cli.h"
#include "ctl/fabric_lock.h"
#include "ctl/fabric_status.h"
#include "ctl/guardrails.h"
#include "ctl/ledger.h"
#include "ctl/prometheus.h"
#include "ctl/secret_store.h"

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

namespace {

// The outcome lists of one credential class, devices gone from the inventory dropped.
struct ClassView {
  std::string last_operation, state = "None";
  std::vector<std::string> succeeded, failed, skipped;
  std::map<std::string, std::string> reasons;
};

ClassView ViewOf(const Inventory& inv, const LedgerData& l, CredentialClass cls) {
  ClassView v;
  const auto h = l.history.find(cls);
  if (h == l.history.end()) return v;
  v.last_operation = h->second.last_operation;
  auto op = OperationLog(inv.state_dir).Load(v.last_operation);
  v.state = op.ok() ? std::string(Name(op->status)) : "Unknown";
  for (const auto& [device, r] : h->second.devices) {
    if (inv.Find(device) == nullptr) continue;
    if (r.state == DeviceState::kSucceeded) v.succeeded.push_back(device);
    if (r.state == DeviceState::kFailed) v.failed.push_back(device);
    if (r.state == DeviceState::kSkipped) v.skipped.push_back(device);
    if (!r.detail.empty() && r.state != DeviceState::kSucceeded) v.reasons[device] = r.detail;
  }
  return v;
}

nlohmann::json Json(const ClassView& v) {
  return {{"lastOperation", v.last_operation}, {"state", v.state},
          {"succeededDeviceIds", v.succeeded}, {"failedDeviceIds", v.failed},
          {"skippedDeviceIds", v.skipped},     {"reasons", v.reasons}};
}

}  // namespace

int FabricShow(const Inventory& inv, const Options& o) {
  auto target = LoadTarget(inv);
  if (!target.ok()) return Fail(target.status());
  const auto s = FetchFabricStatus(inv, *target, o.concurrency);
  if (o.prometheus()) {
    std::cout << FabricMetrics(inv, s, time(nullptr));
    return s.out_of_sync.empty() && s.unreachable.empty() ? kExitOk : kExitPartial;
  }
  auto ledger = Ledger(inv.state_dir).Load();
  if (!ledger.ok()) return Fail(ledger.status());
  const ClassView certs = ViewOf(inv, *ledger, CredentialClass::kCertificates);
  const ClassView passwords = ViewOf(inv, *ledger, CredentialClass::kPasswords);
  // The top-level lists are those of the class of the fabric's last operation.
  const ClassView& last =
      !ledger->last_operation.empty() && ledger->last_operation == certs.last_operation ? certs
                                                                                        : passwords;
  const auto lock = FabricLock::HeldBy(inv.state_dir);
  const Status workflow = CheckFabricWorkflow(inv);
  const Status sets = CheckPasswordSets(inv, s);
  std::map<std::string, int> password_versions;
  for (const auto& p : inv.password_profiles) {
    if (inv.Active(p)) password_versions[p.name] = target->password_versions.at(p.name);
  }
  const std::string cert_version =
      target->certificate_version == 0 ? "" : VersionLabel(target->certificate_version);
  if (o.json()) {
    auto j = FabricStatusJson(s, inv.devices.size());
    j["state"] = last.state;
    j["lastOperation"] = last.last_operation;
    j["succeededDeviceIds"] = last.succeeded;
    j["failedDeviceIds"] = last.failed;
    j["operations"] = {{"certificates", Json(certs)}, {"passwords", Json(passwords)}};
    j["certificateVersion"] = cert_version;
    j["passwordVersions"] = password_versions;
    j["guardrails"] = {{"administrativeLock", inv.administrative_lock},
                       {"upgradeStatus", inv.upgrade_status},
                       {"fabricLock", lock ? *lock : "free"},
                       {"maxPasswordVersions", inv.max_password_versions},
                       {"operations", workflow.ok() ? "allowed" : "refused: " + workflow.message()},
                       {"passwordRotation", sets.ok() ? "allowed" : "refused: " + sets.message()}};
    std::cout << j.dump(2) << "\n";
  } else {
    const auto state = [](const ClassView& v) {
      return v.state + (v.last_operation.empty() ? "" : " (" + v.last_operation + ")");
    };
    PrintTable({{"fabric", s.fabric},
                {"certificates",
                 state(certs) + ", fabric at " + (cert_version.empty() ? "none" : cert_version)},
                {"  succeeded", Join(certs.succeeded)},
                {"  failed", Join(certs.failed)},
                {"  skipped", Join(certs.skipped)},
                {"passwords", state(passwords)},
                {"  succeeded", Join(passwords.succeeded)},
                {"  failed", Join(passwords.failed)},
                {"  skipped", Join(passwords.skipped)},
                {"last rotation", RenderTime(s.last_rotation_time)},
                {"devices", std::to_string(inv.devices.size())},
                {"in sync", Join(s.in_sync)},
                {"out of sync", Join(s.out_of_sync)},
                {"behind", Join(s.behind)},
                {"unreachable", Join(s.unreachable)},
                {"skipped", Join(s.skipped)},
                {"password sets", std::to_string(s.unique_password_sets) + " of max " +
                                      std::to_string(inv.max_password_versions)},
                {"admin lock", inv.administrative_lock ? "locked" : "unlocked"},
                {"upgrade", inv.upgrade_status},
                {"fabric lock", lock ? *lock : "free"},
                {"rotations", workflow.ok() ? "allowed" : "refused"},
                {"password rotation", sets.ok() ? "allowed" : "refused (too many password sets)"}});
    for (const auto& v : s.views) {
      for (const auto& r : v.reasons) std::cout << v.device << ": " << r << "\n";
    }
    for (const auto* c : {&certs, &passwords}) {
      for (const auto& [device, why] : c->reasons) {
        std::cout << device << " (last " << (c == &certs ? "certificate" : "password")
                  << " operation): " << why << "\n";
      }
    }
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
