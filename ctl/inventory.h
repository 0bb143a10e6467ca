// rotctl's inventory: the fabric, its devices and how to reach their agents, and the credential
// plan of each device: which certificate and password profiles its role takes.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/pki_config.h"

namespace rotagent::ctl {

struct Device {
  std::string name;
  std::string address;                  // host:port of the device's rotagentd
  std::string role = "switch";          // names a plan: switch, terminal-server or the operator's
  std::string admin_state = "enabled";  // enabled | disabled | rma | maintenance
  // Per-device overrides of the role's plan (profile ids / names); unset: the role's.
  std::optional<std::vector<std::string>> certificates, passwords;
};

struct PasswordProfile {
  std::string name;     // e.g. AzureOperatorRW; names its secrets in the secret store
  std::string account;  // the local account on the devices
  std::string feature;  // rotated only while the inventory's `features` lists it; "" always
};

// A certz profile rotated fabric-wide. A server profile's new certificate is proven by a new
// connection before it is finalized; a client profile's cannot be, so it is only read back.
struct CertificateProfile {
  std::string id = "gnsi";
  std::string role = "server";  // server | client
};

// Which profiles a role takes, by certificate profile id and password profile name.
struct CredentialPlan {
  std::vector<std::string> certificates, passwords;
};

// A device's plan resolved against the profiles: its role's plan or its overrides, less the
// password profiles behind a feature the inventory does not enable.
struct ResolvedPlan {
  std::vector<CertificateProfile> certificates;
  std::vector<PasswordProfile> passwords;
};

// Retries of a device's work after a transient gRPC error (UNAVAILABLE, DEADLINE_EXCEEDED,
// ABORTED): capped exponential backoff with jitter. Other errors fail the device at once.
struct RetryPolicy {
  int max_attempts = 4;  // 1: no retry
  int initial_backoff_ms = 500;
  int max_backoff_ms = 10000;
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
  // Pre-flight: a device that fails it is skipped with its reasons, or, when strict, the whole
  // operation is refused before any device is touched.
  bool strict_preflight = false;
  RetryPolicy retry;
  std::set<std::string> features;               // e.g. method-d-v1.5
  std::map<std::string, CredentialPlan> plans;  // role -> plan; empty: every role takes all
  std::vector<Device> devices;
  PkiConfig pki;  // signer, secret store and archive (ctl/pki_config.h)
  std::string source;

  const Device* Find(const std::string& name) const;
  // Only profiles whose feature is enabled.
  bool Active(const PasswordProfile& p) const {
    return p.feature.empty() || features.count(p.feature) != 0;
  }
  ResolvedPlan PlanFor(const Device& device) const;
};

// Errors name the file, line and key, as the agent's config errors do.
Result<Inventory> LoadInventory(const std::filesystem::path& path);

}  // namespace rotagent::ctl
