// One device's part of a rotation, over its agent's gNSI services, each proven before it is
// committed and read back over gNMI after:
//  - certificates: the device generates a key and CSR (certz GenerateCSR), the lab CA signs it,
//    rotctl uploads it with the fabric trust bundle, opens a brand-new TLS connection that must
//    be served the new certificate (server profiles), then finalizes;
//  - passwords: sha512-crypt hashes of the secret store's versions in one credentialz stream;
//    the agent proves each against the installed shadow entry before rotctl finalizes.
// A failure anywhere before Finalize ends the stream, and the agent rolls the device back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ctl/ca_rotation_state.h"
#include "ctl/inventory.h"
#include "ctl/issuer.h"

namespace rotagent::ctl {

struct CertificatePush {
  const Inventory* inv;
  const Issuer* issuer;          // signs, checks and archives (ctl/issuer.h)
  std::string trust_bundle_pem;  // the signer's roots and the inventory's trust bundle
  std::string version;
  bool force_overwrite = false;
  // For the lab kit: prove the new certificate is served, then drop the stream instead of
  // finalizing (the agent must roll back). The result is ABORTED.
  bool drop_before_finalize = false;
  // A retry after a transient error: the earlier try may have finalized without hearing back,
  // so ALREADY_EXISTS for this very version means done (the read-back still checks it).
  bool accept_existing = false;
  // The profiles to rotate; unset: the device's plan.
  std::optional<std::vector<CertificateProfile>> profiles;
};

struct AccountPassword {
  std::string account, hash, version;
};

// A new trust bundle for every certificate profile of the device's plan, leaves unchanged
// (a CA rotation's phases 1 and 3): uploaded, proven (server profiles: `must_admit` is admitted
// on a brand-new connection), finalized and read back at `version`.
struct TrustPush {
  const Inventory* inv;
  std::string bundle_pem;
  std::string version;
  ClientIdentity must_admit;
  bool accept_existing = false;  // a retry: ALREADY_EXISTS for `version` means done
};

Status PushCertificates(const CertificatePush& push, const Device& device);
Status PushTrustBundle(const TrustPush& push, const Device& device);
Status PushPasswords(const Inventory& inv, const std::vector<AccountPassword>& passwords,
                     bool force_overwrite, const Device& device, bool drop_before_finalize = false,
                     bool accept_existing = false);
// The certificate (PEM) a brand-new TLS connection to the device is served.
Result<std::string> ServedCertificate(const Inventory& inv, const Device& device);

}  // namespace rotagent::ctl
