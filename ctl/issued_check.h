// The check of what a signer returns, before anything is uploaded to a device: the leaf is for
// the CSR's key, carries exactly the names and usages rotctl asked for, is no CA, is valid now,
// and its chain verifies to the configured roots. A signer is trusted to sign, not to decide.
#pragma once

#include <string>

#include "common/ossl.h"
#include "common/status.h"
#include "ctl/signer.h"

namespace rotagent::ctl {

struct CheckedChain {
  ossl::X509Ptr leaf;
  std::string leaf_pem;                    // re-encoded, as a device will serve it
  std::vector<std::string> intermediates;  // PEM, leaf's issuer first
};

// FAILED_PRECONDITION naming what is wrong with the signer's answer.
Result<CheckedChain> CheckIssued(const std::string& chain_pem, EVP_PKEY* csr_key,
                                 const LeafSpec& spec, const std::string& roots_pem);

}  // namespace rotagent::ctl
