// Verifies client certificate chains against a trust bundle and CRLs that can be swapped at any
// time; each verification uses the set that was current when it began, as Envoy's TLS contexts
// do. It is the listener's only chain check: every call is admitted through it. The trust store is
// shared (TrustStore), and verdicts are remembered per trust store and client chain for a short
// while, by every verifier of the process: a call, or the lockout check of a rotation that keeps
// the trust bundle, costs a digest, not a chain verification.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "agent/certz/trust_store.h"
#include "common/ossl.h"
#include "common/status.h"

namespace rotagent::tls {

class ClientVerifier {
 public:
  // Replaces the trust anchors and CRLs (PEM). New verifications use them at once.
  Status Update(const std::string& trust_pem, const std::string& crl_pem);

  // Verifies a client leaf (PEM) with the intermediates it sent (PEM, may be empty or repeat the
  // leaf) for TLS client use. UNAUTHENTICATED with the reason.
  Status Check(const std::string& leaf_pem, const std::string& chain_pem = "") const;
  // Whether the current set holds CRLs.
  bool ChecksCrls() const;
  // A CRL past its nextUpdate: go on checking revocation with it (true, the default), or refuse
  // every client of its CA (false). Expiry is reported over gNMI either way.
  void SetKeepExpiredCrl(bool keep);

 private:
  std::shared_ptr<const certz::TrustStore> Current() const;
  // Sets `until` to when the verdict may change by the clock alone.
  static Status Verify(const certz::TrustStore& store, const std::string& leaf_pem,
                       const std::string& chain_pem, bool keep_expired, int64_t& until);

  mutable std::mutex mu_;
  std::shared_ptr<const certz::TrustStore> current_;
  std::atomic<bool> keep_expired_crl_{true};
};

}  // namespace rotagent::tls
