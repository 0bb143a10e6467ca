// rotctl archive list | show DEVICE PROFILE VERSION
#include <iostream>

#include "common/x509.h"
#include "ctl/archive.h"
#include "ctl/cli.h"

namespace rotagent::ctl {

int ArchiveCommand(const Inventory& inv, const Options& o) {
  const Archive archive(inv.state_dir, inv.pki.archive.keep_versions);
  const bool show = o.args[1] == "show";
  if (show && inv.Find(o.args[2]) == nullptr) {
    return Fail(NotFound("no device '" + o.args[2] + "' in " + inv.source));
  }
  auto entries = show ? archive.Find(o.args[2], o.args[3], o.args[4]) : archive.List(o.device);
  if (!entries.ok()) return Fail(entries.status());
  if (o.json()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : *entries) out.push_back(ArchiveEntryJson(e, show));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (show) {
    for (const auto& e : *entries) {
      std::vector<std::vector<std::string>> rows = {
          {"reference", Archive::Reference(e.device, e.profile, e.version)},
          {"operation", e.operation},
          {"signer", e.signer},
          {"subject", e.subject},
          {"issuer", e.issuer},
          {"serial", e.serial},
          {"fingerprint", e.fingerprint},
          {"not before", x509::FormatTime(e.not_before)},
          {"not after", x509::FormatTime(e.not_after)}};
      if (!e.not_installed.empty()) rows.push_back({"not installed", e.not_installed});
      PrintTable(rows);
      std::cout << e.chain_pem << "\n";
    }
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"DEVICE", "PROFILE", "VERSION", "SERIAL", "NOT AFTER", "OPERATION"}};
  for (const auto& e : *entries) {
    rows.push_back({e.device, e.profile, e.version, e.serial, x509::FormatTime(e.not_after),
                    e.operation + (e.not_installed.empty() ? "" : " (not installed)")});
  }
  PrintTable(rows);
  return kExitOk;
}

}  // namespace rotagent::ctl
