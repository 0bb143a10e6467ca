// The versions the fabric is meant to hold: the certificate version of the last certificate
// rotation (<state_dir>/certificate-version) and, per password profile, the secret store's newest
// version. A device is in sync only when it reports exactly these, InSync.
#pragma once

#include <map>
#include <string>

#include "ctl/device_status.h"
#include "ctl/inventory.h"

namespace rotagent::ctl {

struct FabricTarget {
  int certificate_version = 0;                   // 0: no certificate rotation yet
  std::map<std::string, int> password_versions;  // profile -> version; 0: never rotated
};

Result<FabricTarget> LoadTarget(const Inventory& inv);
Status SaveCertificateVersion(const Inventory& inv, int version);

// Empty when the device holds the target and every credential it reports is InSync; otherwise
// what is wrong, e.g. "accounts/admin/password holds v1, the fabric is at v2".
std::string SyncProblem(const Inventory& inv, const FabricTarget& target, const DeviceStatus& d,
                        bool certificates = true, bool passwords = true);

}  // namespace rotagent::ctl
