// rotctl renew: reissue, before they expire, the certificates whose remaining lifetime has fallen
// below a fraction of their lifetime (default 1/3, as cert-manager renews at 2/3 of a lifetime).
// Each device starts after its own delay within the jitter window, so a fabric does not renew in
// one burst; the devices are renewed as one recorded operation (RenewCertificates) under the
// fabric lock and the same guardrails as any rotation. Renewal reissues the fabric's current
// certificate version (a new key and leaf, forced over the same version), so devices stay in sync.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ctl/cli.h"
#include "ctl/fabric_status.h"
#include "ctl/inventory.h"

namespace rotagent::ctl {

struct RenewPolicy {
  double threshold = 1.0 / 3;  // renew when less than this fraction of the lifetime is left
  int64_t jitter_seconds = 15 * 60;
};

struct RenewCandidate {
  std::string device;
  std::string credential;  // profiles/<id>/chain
  int64_t expires = 0;
  int64_t lifetime = 0;  // seconds
  int64_t delay = 0;     // seconds after the start before this device is renewed
};

// "1/3", "0.25": a fraction in (0, 1). INVALID_ARGUMENT naming --threshold.
Result<double> ParseThreshold(const std::string& text);
// "15m", "90s", "1h", "0": INVALID_ARGUMENT naming --jitter.
Result<int64_t> ParseJitter(const std::string& text);
// A device's delay within the window: stable per fabric and device, spread evenly by a hash.
int64_t JitterDelay(const std::string& fabric, const std::string& device, int64_t window);
// The leaf certificates of enabled devices below the threshold at `now`. A certificate's lifetime
// runs from its last rotation on the device to its expiry; when the device reports no rotation
// time, it is the inventory's certificate_days.
std::vector<RenewCandidate> PlanRenewal(const Inventory& inv, const FabricStatus& s,
                                        const RenewPolicy& p, int64_t now);

}  // namespace rotagent::ctl
