// rotctl's inventory: the fabric, its devices and how to reach their agents.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

namespace rotagent::ctl {

struct Device {
  std::string name;
  std::string address;                  // host:port of the device's rotagentd
  std::string role = "switch";          // switch | terminal-server
  std::string admin_state = "enabled";  // enabled | disabled | rma | maintenance
};

struct PasswordProfile {
  std::string name;     // e.g. AzureOperatorRW
  std::string account;  // the local account on the devices
};

struct Inventory {
  std::string fabric;
  std::filesystem::path client_cert, client_key;  // the identity rotctl presents to agents
  std::filesystem::path trust_bundle;             // what verifies the agents
  std::string server_name = "localhost";          // TLS name the agents' certificates carry
  std::filesystem::path ca_dir;                   // the lab CA (rotctl ca init)
  std::vector<PasswordProfile> password_profiles;
  std::vector<Device> devices;
  std::string source;

  const Device* Find(const std::string& name) const;
};

// Errors name the file, line and key, as the agent's config errors do.
Result<Inventory> LoadInventory(const std::filesystem::path& path);

}  // namespace rotagent::ctl
