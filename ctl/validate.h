// The lab validation kit: runs the rotation contract against one device's gNSI agent (ours or
// any gNSI-capable device) and reports each check as pass, fail or skip.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ctl/inventory.h"

namespace rotagent::ctl {

struct ValidateOptions {
  std::string profile;      // certz server profile; default: the inventory's first server profile
  std::string account;      // local account whose password is rotated; empty: skip those checks
  std::string ssh_address;  // where to prove logins; default: the device's host, port 22
  std::string platform_checks;  // "eos[:SOCKET]" / "opengear[:OGCLI]": ValidatePlatform, on the box
};

struct CheckResult {
  std::string name, result, detail;  // result: pass | fail | skip
  double seconds = 0;
};

// The checks, in order: reach, certificate-rotation, certificate-rollback-on-drop,
// version-already-exists, password-rotation, password-rollback-on-drop, state-reporting.
// It changes the device's credentials: lab devices only.
std::vector<CheckResult> Validate(const Inventory& inv, const Device& device,
                                  const ValidateOptions& opts);
nlohmann::json ValidationReport(const Device& device, const std::vector<CheckResult>& checks);

}  // namespace rotagent::ctl
