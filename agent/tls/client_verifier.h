// Verifies client certificate chains against a trust bundle and CRLs that can be swapped at any
// time; each verification uses the set that was current when it began, as Envoy's TLS contexts
// do. It is the listener's only chain check: every call is admitted through it. The trust store is
// shared (TrustStore), and verdicts are remembered per client chain for a short while, so a call
// costs a digest, not a chain verification.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
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
  struct TrustSet {
    std::shared_ptr<const certz::TrustStore> store;
    uint64_t generation = 0;
  };
  struct Verdict {
    uint64_t generation = 0;
    std::chrono::steady_clock::time_point at;
    int64_t until = 0;  // seconds since the epoch it stops holding (a certificate's notAfter, a
                        // CRL's nextUpdate); 0: none
    Status status;
  };
  std::shared_ptr<const TrustSet> Current() const;
  // Sets `until` to when the verdict may change by the clock alone.
  Status Verify(const certz::TrustStore& store, const std::string& leaf_pem,
                const std::string& chain_pem, int64_t& until) const;

  mutable std::mutex mu_;
  std::shared_ptr<const TrustSet> current_;
  uint64_t generation_ = 0;
  std::atomic<bool> keep_expired_crl_{true};
  // SHA-256 of (leaf, chain) -> verdict under one generation; bounded, and short-lived so that a
  // certificate expiring or a CRL passing its nextUpdate is seen soon.
  mutable std::mutex verdicts_mu_;
  mutable std::map<std::string, Verdict> verdicts_;
};

}  // namespace rotagent::tls
