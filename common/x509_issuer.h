// Issues X.509 certificates with OpenSSL: the agent's bootstrap identity, rotctl's lab CA and
// test fixtures.
#pragma once

#include <string>
#include <vector>

#include "common/ossl.h"
#include "common/status.h"

namespace rotagent::x509 {

struct IssueParams {
  std::string common_name;
  std::vector<std::string> dns_names, ip_addresses;
  bool is_ca = false;
  bool server_auth = true, client_auth = true;
  int64_t not_before_offset = -300;  // seconds from now; a little back-dated against skew
  int64_t lifetime = int64_t{365} * 86400;
};

struct Issued {
  ossl::X509Ptr cert;
  ossl::Pkey key;
};

// A fresh EC P-256 key and a certificate for it, signed by `issuer` (self-signed when null).
Result<Issued> Issue(const IssueParams& params, X509* issuer_cert, EVP_PKEY* issuer_key);
// Signs `public_key` (e.g. from a CSR) instead of generating a key.
Result<ossl::X509Ptr> IssueFor(EVP_PKEY* public_key, const IssueParams& params, X509* issuer_cert,
                               EVP_PKEY* issuer_key);

}  // namespace rotagent::x509
