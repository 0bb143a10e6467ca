// Validation rules applied before anything is staged. Pure functions of their inputs and `now`.
#pragma once

#include <cstdint>
#include <vector>

#include "agent/certz/trust_store.h"
#include "common/ossl.h"
#include "common/status.h"

namespace rotagent::certz {

struct KeyPolicy {
  int min_rsa_bits = 2048;
  int min_ec_bits = 256;
  bool allow_ed25519 = true;
};

// Limits that keep a hostile upload from costing memory or CPU.
struct SizeLimits {
  size_t max_entity_bytes = size_t{256} * 1024;  // one certificate, key, CRL or policy
  // A whole trust or CRL bundle: 20,000 CAs are 8.4 MB as PKCS#7 PEM.
  size_t max_bundle_bytes = size_t{16} * 1024 * 1024;
  size_t max_chain_depth = 8;
  size_t max_bundle_certs = 32768;
  size_t max_crls = 64;
};

Status CheckKeyPolicy(EVP_PKEY* key, const KeyPolicy& policy, const std::string& what);
Status CheckKeyMatches(X509* cert, EVP_PKEY* key, const std::string& what);
// Not yet valid or expired; the message gives now and the boundary that failed.
Status CheckValidity(X509* cert, int64_t now, const std::string& what);
// A certificate that appears twice in a chain would make the chain a loop.
Status CheckNoRepeats(const std::vector<ossl::X509Ptr>& chain, const std::string& what);
// Verifies `leaf` with `intermediates` up to one of `trust`'s anchors, checking its CRLs where a
// CRL for the issuer exists. Returns the verifier's reason on failure.
Status VerifyChain(X509* leaf, const std::vector<ossl::X509Ptr>& intermediates,
                   const TrustStore& trust, int64_t now);
// FAILED_PRECONDITION for a CRL whose nextUpdate has passed: installed, it would refuse every
// client of its CA (or, kept, revoke nothing new) from the start.
Status CheckCrlCurrent(const std::vector<ossl::X509Crl>& crls, int64_t now,
                       const std::string& what);
// Each CRL must be signed by a certificate in `trust`.
Status CheckCrlIssuers(const std::vector<ossl::X509Crl>& crls,
                       const std::vector<ossl::X509Ptr>& trust, const std::string& what);

}  // namespace rotagent::certz
