// Verifies client certificate chains against a trust bundle and CRLs that can be swapped at any
// time; each handshake uses the set that was current when it began, as Envoy's TLS contexts do.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "common/ossl.h"
#include "common/status.h"

namespace rotagent::tls {

class ClientVerifier {
 public:
  // Replaces the trust anchors and CRLs (PEM). New handshakes use them at once.
  Status Update(const std::string& trust_pem, const std::string& crl_pem);

  // Verifies a client leaf (PEM) with the intermediates it sent (PEM, may be empty or repeat the
  // leaf) for TLS client use. UNAUTHENTICATED with the reason.
  Status Check(const std::string& leaf_pem, const std::string& chain_pem = "") const;
  // Whether the current set holds CRLs, i.e. Check() can refuse what the TLS layer accepted.
  bool ChecksCrls() const;
  // A CRL past its nextUpdate: go on checking revocation with it (true, the default), or refuse
  // every client of its CA (false). Expiry is reported over gNMI either way.
  void SetKeepExpiredCrl(bool keep) { keep_expired_crl_ = keep; }

 private:
  struct TrustSet {
    ossl::X509Store store;
    bool check_crls = false;
  };
  std::shared_ptr<const TrustSet> Current() const;

  mutable std::mutex mu_;
  std::shared_ptr<const TrustSet> current_;
  std::atomic<bool> keep_expired_crl_{true};
};

}  // namespace rotagent::tls
