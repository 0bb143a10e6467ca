// The archive of every certificate rotctl issued: leaf and chain (never a key), by device,
// certz profile and version, with its fingerprint, serial, validity and the operation that
// issued it. <state_dir>/archive/<device>/<profile>/<version>-<fingerprint prefix>.json, so two
// leaves signed for one label (a retry whose upload the device refused because the first try
// had landed) are kept side by side. Retention keeps the newest keep_versions labels of each
// device's profile, in the fabric's order ("v3", "v3-r1", "v4").
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace rotagent::ctl {

struct ArchiveEntry {
  std::string device, profile, version, operation, signer;
  std::string fingerprint, serial, subject, issuer;
  int64_t not_before = 0, not_after = 0, issued_at = 0;
  std::string chain_pem;  // leaf first
  // Set when the device refused the upload (it already held that version): why. The device
  // never had this certificate, so the device status never refers to it.
  std::string not_installed;
};

nlohmann::json ArchiveEntryJson(const ArchiveEntry& e, bool with_chain);

class Archive {
 public:
  Archive(const std::filesystem::path& state_dir, int keep_versions)
      : dir_(state_dir / "archive"), keep_versions_(keep_versions) {}

  // Fills the certificate fields from `chain_pem`. INVALID_ARGUMENT for a device, profile or
  // version that cannot be a file name (so none can climb out of the archive).
  Status Record(ArchiveEntry entry) const;
  // Marks the entry of the leaf with `fingerprint` as never installed, saying why.
  Status MarkNotInstalled(const std::string& device, const std::string& profile,
                          const std::string& version, const std::string& fingerprint,
                          const std::string& why) const;
  // Every entry, or one device's, oldest version first.
  Result<std::vector<ArchiveEntry>> List(const std::string& device = "") const;
  // The entries of one version, newest first; NOT_FOUND naming it.
  Result<std::vector<ArchiveEntry>> Find(const std::string& device, const std::string& profile,
                                         const std::string& version) const;
  // "<device>/<profile>/<version>": how the device status refers to an entry.
  static std::string Reference(const std::string& device, const std::string& profile,
                               const std::string& version);

 private:
  Status Prune(const std::filesystem::path& profile_dir) const;
  std::filesystem::path dir_;
  int keep_versions_;
};

}  // namespace rotagent::ctl
