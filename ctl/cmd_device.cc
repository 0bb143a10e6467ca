// rotctl device show NAME
#include <ctime>
#include <iostream>

#include "ctl/archive.h"
#include "ctl/cli.h"
#include "ctl/device_status.h"
#include "ctl/fabric_versions.h"
#include "ctl/ledger.h"
#include "ctl/secret_store.h"

namespace rotagent::ctl {
namespace {

// A certificate chain's archive reference names the archive entry rotctl made when it issued
// the label the device holds: the newest one of that label the device did not refuse.
void ReferenceArchive(const Inventory& inv, const DeviceStatus& status, nlohmann::json& j) {
  const Archive archive(inv.state_dir, inv.pki.archive.keep_versions);
  size_t k = 0;
  for (const auto& c : status.credentials) {
    if (c.name.rfind("profiles/", 0) != 0) continue;
    auto& ref = j["certificateRotationStatus"][k++]["certificateArchiveReference"];
    const std::string profile = ref.value("certificateName", "");
    if (c.name != "profiles/" + profile + "/chain" || c.version.empty()) continue;
    auto entries = archive.Find(status.device, profile, c.version);
    if (!entries.ok()) continue;
    for (const auto& e : *entries) {
      if (!e.not_installed.empty()) continue;
      ref["archiveEntry"] = Archive::Reference(status.device, profile, c.version);
      ref["sha256Fingerprint"] = e.fingerprint;
      break;
    }
  }
}

// Per credential of the device's plan: "Current" or "Behind" the fabric's intent, whatever the
// agent's own synchronizationStatus says (that is only its view of its last attempt).
std::map<std::string, std::string> FabricSync(const std::map<std::string, int>& wanted,
                                              const std::map<std::string, std::string>& held) {
  std::map<std::string, std::string> out;
  for (const auto& [cred, intent] : wanted) {
    if (intent == 0) continue;
    const auto h = held.find(cred);
    const int have = h == held.end() ? 0 : IntentOf(h->second);
    out[cred] = have < intent ? "Behind" : have == intent ? "Current" : "Ahead";
  }
  return out;
}

}  // namespace

int DeviceShow(const Inventory& inv, const Options& o) {
  const auto* device = inv.Find(o.args[2]);
  if (device == nullptr) return Fail(NotFound("no device '" + o.args[2] + "' in " + inv.source));
  auto target = LoadTarget(inv);
  if (!target.ok()) return Fail(target.status());
  const auto wanted = WantedIntents(inv, *target, *device);
  auto link = AgentLink::Open(inv, *device);
  auto status =
      link.ok() ? FetchDeviceStatus(*link, device->name) : Result<DeviceStatus>(link.status());
  std::map<std::string, std::string> held;
  const Ledger ledger(inv.state_dir);
  if (status.ok()) {
    for (const auto& c : status->credentials) held[c.name] = c.version;
    const int64_t now = time(nullptr);
    (void)ledger.Update([&](LedgerData& l) {
      DeviceEntry& e = l.devices[device->name];
      e.last_seen = now;
      e.last_error.clear();
      for (const auto& [cred, intent] : wanted) {
        CredentialEntry& c = e.credentials[cred];
        const std::string& v = held[cred];
        if (c.acknowledged != v) c.acknowledged_at = now;
        c.acknowledged = v;
      }
    });
  } else {
    // Unreachable: what the ledger last knew, said so.
    auto l = ledger.Load();
    if (!l.ok()) return Fail(status.status());
    const auto e = l->devices.find(device->name);
    if (e == l->devices.end()) return Fail(status.status());
    for (const auto& [cred, c] : e->second.credentials) held[cred] = c.acknowledged;
    std::cerr << "rotctl: " << status.status().message() << "; showing the ledger's last known\n";
  }
  const auto sync = FabricSync(wanted, held);
  bool behind = false;
  for (const auto& [cred, s] : sync) behind = behind || s == "Behind";
  if (o.json()) {
    nlohmann::json j = status.ok() ? DeviceStatusJson(*status)
                                   : nlohmann::json{{"name", device->name}, {"held", held}};
    j["adminState"] = device->admin_state;
    if (status.ok()) ReferenceArchive(inv, *status, j);
    j["role"] = device->role;
    j["source"] = status.ok() ? "live" : "ledger";
    j["behind"] = behind;
    j["fabricSynchronization"] = sync;
    for (const char* list : {"certificateRotationStatus", "secretRotationStatus"}) {
      if (!j.contains(list)) continue;
      for (auto& c : j[list]) {
        const bool cert = c.contains("certificateArchiveReference");
        const std::string name =
            cert ? "profiles/" +
                       c["certificateArchiveReference"]["certificateName"].get<std::string>() +
                       "/chain"
                 : "accounts/" + c["secretArchiveReference"]["secretName"].get<std::string>() +
                       "/password";
        if (const auto f = sync.find(name); f != sync.end()) c["fabricSynchronization"] = f->second;
      }
    }
    std::cout << j.dump(2) << "\n";
    return status.ok() ? kExitOk : kExitPartial;
  }
  std::cout << "device " << device->name << " (" << device->address << ", role " << device->role
            << ", " << device->admin_state;
  if (status.ok()) {
    std::cout << ", agent " << status->agent_admin_state << ")\n";
    std::vector<std::vector<std::string>> rows = {
        {"CREDENTIAL", "TYPE", "VERSION", "LAST ROTATION", "EXPIRES", "STATUS", "FABRIC"}};
    for (const auto& c : status->credentials) {
      std::string st = c.synchronization_status;
      if (!c.last_error.empty()) st += " (" + c.last_error + ")";
      const auto f = sync.find(c.name);
      rows.push_back({c.name, c.type, c.version, RenderTime(c.last_rotation_time), c.expire_time,
                      st, f == sync.end() ? "" : f->second});
    }
    PrintTable(rows);
  } else {
    std::cout << ", unreachable: last known from the ledger)\n";
    std::vector<std::vector<std::string>> rows = {{"CREDENTIAL", "LAST KNOWN VERSION", "FABRIC"}};
    for (const auto& [cred, label] : held) {
      const auto f = sync.find(cred);
      rows.push_back({cred, label, f == sync.end() ? "" : f->second});
    }
    PrintTable(rows);
  }
  if (behind) std::cout << "behind the fabric: resync it (rotctl device resync-*)\n";
  return status.ok() ? kExitOk : kExitPartial;
}

}  // namespace rotagent::ctl
