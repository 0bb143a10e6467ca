// rotctl: the controller for labs and small fleets.

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "ctl/device_status.h"
#include "ctl/fabric_status.h"
#include "ctl/inventory.h"

namespace {

using rotagent::ctl::Inventory;

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;
constexpr int kPartial = 3;

constexpr const char* kHelp =
    R"(rotctl: rotate and inspect credentials across a fabric of rotagentd agents

usage: rotctl [--inventory FILE] [--output table|json] COMMAND ...

commands:
  device show NAME     the device's certificate and secret rotation status, as its agent
                       reports it over gNMI (type, version, last rotation, expiry, sync status)
  fabric show          every enabled device asked at once: which are in sync, out of sync or
                       unreachable, which were skipped for their admin state, and how many
                       distinct password sets the fabric holds
  help                 this text

options:
  --inventory FILE     the fabric inventory (default: ./inventory.yaml)
  --output table|json  human table (default) or JSON
  --concurrency N      devices asked at once (default 16)

exit codes: 0 success, 1 failure, 2 bad usage or inventory, 3 partial (fabric show: some device
            is out of sync or unreachable)
)";

struct Options {
  std::string inventory = "inventory.yaml";
  std::string output = "table";
  int concurrency = 16;
  std::vector<std::string> args;
};

int Usage(const std::string& why) {
  std::cerr << "rotctl: " << why << "\n\n" << kHelp;
  return kUsage;
}

void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()));
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

int DeviceShow(const Inventory& inv, const Options& o) {
  if (o.args.size() != 3) return Usage("device show needs a device name");
  const auto* device = inv.Find(o.args[2]);
  if (device == nullptr) {
    std::cerr << "rotctl: no device '" << o.args[2] << "' in " << inv.source << "\n";
    return kUsage;
  }
  auto link = rotagent::ctl::AgentLink::Open(inv, *device);
  if (!link.ok()) {
    std::cerr << "rotctl: " << link.status().message() << "\n";
    return kFailed;
  }
  auto status = rotagent::ctl::FetchDeviceStatus(*link, device->name);
  if (!status.ok()) {
    std::cerr << "rotctl: " << status.status().message() << "\n";
    return kFailed;
  }
  if (o.output == "json") {
    auto j = rotagent::ctl::DeviceStatusJson(*status);
    j["adminState"] = device->admin_state;
    std::cout << j.dump(2) << "\n";
    return kOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"CREDENTIAL", "TYPE", "VERSION", "LAST ROTATION", "EXPIRES", "STATUS"}};
  for (const auto& c : status->credentials) {
    std::string st = c.synchronization_status;
    if (!c.last_error.empty()) st += " (" + c.last_error + ")";
    rows.push_back({c.name, c.type, c.version, rotagent::ctl::RenderTime(c.last_rotation_time),
                    c.expire_time, st});
  }
  std::cout << "device " << device->name << " (" << device->address << ", " << device->admin_state
            << ", agent " << status->agent_admin_state << ")\n";
  PrintTable(rows);
  return kOk;
}

int FabricShow(const Inventory& inv, const Options& o) {
  const auto s = rotagent::ctl::FetchFabricStatus(inv, o.concurrency);
  if (o.output == "json") {
    std::cout << rotagent::ctl::FabricStatusJson(s, inv.devices.size()).dump(2) << "\n";
  } else {
    auto join = [](const std::vector<std::string>& v) {
      std::string out;
      for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
      return out.empty() ? "-" : out;
    };
    PrintTable({{"fabric", s.fabric},
                {"devices", std::to_string(inv.devices.size())},
                {"in sync", join(s.in_sync)},
                {"out of sync", join(s.out_of_sync)},
                {"unreachable", join(s.unreachable)},
                {"skipped", join(s.skipped)},
                {"password sets", std::to_string(s.unique_password_sets)},
                {"last rotation", rotagent::ctl::RenderTime(s.last_rotation_time)}});
  }
  return s.out_of_sync.empty() && s.unreachable.empty() ? kOk : kPartial;
}

int Run(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--inventory" || a == "--output") && i + 1 < argc) {
      (a == "--inventory" ? o.inventory : o.output) = argv[++i];
    } else if (a == "--concurrency" && i + 1 < argc) {
      o.concurrency = std::atoi(argv[++i]);
      if (o.concurrency < 1 || o.concurrency > 1024) {
        return Usage("--concurrency must be between 1 and 1024");
      }
    } else if (a == "--help" || a == "-h") {
      o.args = {"help"};
      break;
    } else if (a.rfind("--", 0) == 0) {
      return Usage("unknown option " + a);
    } else {
      o.args.push_back(a);
    }
  }
  if (o.args.empty() || o.args[0] == "help") {
    std::cout << kHelp;
    return o.args.empty() ? kUsage : kOk;
  }
  if (o.output != "table" && o.output != "json") return Usage("--output must be table or json");
  auto inv = rotagent::ctl::LoadInventory(o.inventory);
  if (!inv.ok()) {
    std::cerr << "rotctl: " << inv.status().message() << "\n";
    return kUsage;
  }
  if (o.args.size() >= 2 && o.args[0] == "device" && o.args[1] == "show")
    return DeviceShow(*inv, o);
  if (o.args.size() == 2 && o.args[0] == "fabric" && o.args[1] == "show")
    return FabricShow(*inv, o);
  return Usage("unknown command '" + o.args[0] + (o.args.size() > 1 ? " " + o.args[1] : "") + "'");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fputs(("rotctl: " + std::string(e.what()) + "\n").c_str(), stderr);
    return kFailed;
  }
}
