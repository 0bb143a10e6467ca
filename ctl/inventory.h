// rotctl's inventory: the fabric, its devices and how to reach their agents.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/pki_config.h"

namespace rotagent::ctl {

struct Device {
  std::string name;
  std::string address;                  // host:port of the device's rotagentd
  std::string role = "switch";          // switch | terminal-server
  std::string admin_state = "enabled";  // enabled | disabled | rma | maintenance
};

struct PasswordProfile {
  std::string name;     // e.g. AzureOperatorRW; names its secrets in the secret store
  std::string account;  // the local account on the devices
};

// A certz profile rotated fabric-wide. A server profile's new certificate is proven by a new
// connection before it is finalized; a client profile's cannot be, so it is only read back.
struct CertificateProfile {
  std::string id = "gnsi";
  std::string role = "server";  // server | client
};

struct Inventory {
  std::string fabric;
  std::filesystem::path client_cert, client_key;  // the identity rotctl presents to agents
  std::filesystem::path trust_bundle;             // what verifies the agents
  std::string server_name = "localhost";          // TLS name the agents' certificates carry
  std::filesystem::path ca_dir;                   // the lab CA (rotctl ca init)
  std::filesystem::path state_dir;                // secrets, operations, the fabric lock
  int certificate_days = 365;                     // lifetime of the leaves the lab CA signs
  std::vector<CertificateProfile> certificate_profiles;
  std::vector<PasswordProfile> password_profiles;
  // Guardrails: an administrator's lock and an upgrade in progress (or failed) block every
  // rotation and resync; a password rotation is refused while the fabric already holds
  // max_password_versions distinct password sets.
  bool administrative_lock = false;
  std::string upgrade_status = "none";  // none | in-progress | failed
  int max_password_versions = 2;
  std::vector<Device> devices;
  PkiConfig pki;  // signer, secret store and archive (ctl/pki_config.h)
  std::string source;

  const Device* Find(const std::string& name) const;
};

// Errors name the file, line and key, as the agent's config errors do.
Result<Inventory> LoadInventory(const std::filesystem::path& path);

}  // namespace rotagent::ctl
