// Test PKI: CAs and leaf identities made with the agent's own issuer, as PEM.
#pragma once

#include <string>
#include <vector>

#include "common/x509_issuer.h"

namespace rotagent::testing {

struct Identity {
  std::string cert_pem, key_pem;
  ossl::X509Ptr cert;
  ossl::Pkey key;
};

Identity MakeCa(const std::string& cn);
Identity MakeLeaf(const Identity& ca, const std::string& cn, int64_t not_before_offset = -300,
                  int64_t lifetime = 86400 * 30);
// A client leaf whose subject holds exactly `common_names` (raw bytes: may hold a NUL, may be
// several) and whose subjectAltName holds `dns_names` (raw bytes), for identity-parsing attacks.
Identity MakeLeafWithRawNames(const Identity& ca, const std::vector<std::string>& common_names,
                              const std::vector<std::string>& dns_names = {});
Identity MakeServer(const Identity& ca, const std::string& cn = "rotagentd");
// Signs a PEM CSR's public key with `ca` as a server/client leaf.
std::string SignCsr(const Identity& ca, const std::string& csr_pem, const std::string& cn);
// A PEM CRL issued by `ca` revoking `revoked`, whose nextUpdate is `next_update_offset` seconds
// from now (negative: already expired).
std::string MakeCrl(const Identity& ca, const std::vector<const Identity*>& revoked,
                    int64_t next_update_offset = int64_t{7} * 86400);
std::string RsaKeyPem(int bits);
std::string Fingerprint(const std::string& cert_pem);

}  // namespace rotagent::testing
