// rotctl device show NAME
#include <iostream>

#include "ctl/archive.h"
#include "ctl/cli.h"
#include "ctl/device_status.h"

namespace rotagent::ctl {
namespace {

// A certificate chain's archive reference names the archive entry rotctl made when it issued
// that version (the newest, after a resync re-issued it).
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
    ref["archiveEntry"] = Archive::Reference(status.device, profile, c.version);
    ref["sha256Fingerprint"] = entries->front().fingerprint;
  }
}

}  // namespace

int DeviceShow(const Inventory& inv, const Options& o) {
  const auto* device = inv.Find(o.args[2]);
  if (device == nullptr) return Fail(NotFound("no device '" + o.args[2] + "' in " + inv.source));
  auto link = AgentLink::Open(inv, *device);
  if (!link.ok()) return Fail(link.status());
  auto status = FetchDeviceStatus(*link, device->name);
  if (!status.ok()) return Fail(status.status());
  if (o.json()) {
    auto j = DeviceStatusJson(*status);
    j["adminState"] = device->admin_state;
    ReferenceArchive(inv, *status, j);
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"CREDENTIAL", "TYPE", "VERSION", "LAST ROTATION", "EXPIRES", "STATUS"}};
  for (const auto& c : status->credentials) {
    std::string st = c.synchronization_status;
    if (!c.last_error.empty()) st += " (" + c.last_error + ")";
    rows.push_back(
        {c.name, c.type, c.version, RenderTime(c.last_rotation_time), c.expire_time, st});
  }
  std::cout << "device " << device->name << " (" << device->address << ", " << device->admin_state
            << ", agent " << status->agent_admin_state << ")\n";
  PrintTable(rows);
  return kExitOk;
}

}  // namespace rotagent::ctl
