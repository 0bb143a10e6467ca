// The versions the fabric is meant to hold: the certificate version of the last certificate
// rotation (<state_dir>/certificate-version, with how many resyncs it has had) and, per password
// profile, the secret store's newest version.
//
// Labels: a rotation makes "v<N>". A password resync pushes the same secret again, so the same
// label. A certificate resync has the device generate a new key, so it is new material under a
// new label, "v<N>-r<M>" (the M-th resync of intent N): a label never names two credentials.
// A device holding either label carries the fabric's intent N.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ctl/device_status.h"
#include "ctl/inventory.h"

namespace rotagent::ctl {

struct FabricTarget {
  int certificate_version = 0;                   // 0: no certificate rotation yet
  int certificate_resyncs = 0;                   // resync labels issued for certificate_version
  std::map<std::string, int> password_versions;  // profile -> version; 0: never rotated
};

Result<FabricTarget> LoadTarget(const Inventory& inv);
Status SaveCertificateVersion(const Inventory& inv, int version, int resyncs = 0);

std::string ResyncLabel(int version, int resync);  // "v3-r2"
// The fabric intent a label carries: 3 for "v3" and "v3-r2"; 0 for a label not ours.
int IntentOf(const std::string& label);

// The credential names a device's plan covers, with the intent the fabric wants for each:
// "profiles/<id>/chain" and "accounts/<account>/password".
std::map<std::string, int> WantedIntents(const Inventory& inv, const FabricTarget& target,
                                         const Device& device, bool certificates = true,
                                         bool passwords = true);

// Every reason the device is not in sync with the fabric (empty when it is): a credential of its
// plan that its agent reports out of sync, or that holds an older intent than the fabric's
// ("behind"), e.g. "accounts/admin/password holds v1, the fabric is at v2".
std::vector<std::string> SyncProblems(const Inventory& inv, const FabricTarget& target,
                                      const Device& device, const DeviceStatus& d,
                                      bool certificates = true, bool passwords = true);

}  // namespace rotagent::ctl
