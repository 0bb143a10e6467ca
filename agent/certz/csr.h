// Key generation and certificate signing requests made on the device; the key never leaves it.
#pragma once

#include <string>
#include <vector>

#include "common/ossl.h"
#include "common/status.h"

namespace rotagent::certz {

enum class KeyAlgorithm { kRsa, kEcdsa, kEd25519 };

struct CsrSuite {
  KeyAlgorithm algorithm = KeyAlgorithm::kEcdsa;
  int rsa_bits = 0;    // kRsa
  std::string curve;   // kEcdsa: OpenSSL group name, e.g. "prime256v1"
  std::string digest;  // "SHA256", "SHA384", "SHA512"; empty for Ed25519
};

struct CsrSubject {
  std::string common_name, country, state, city, organization, organizational_unit;
  std::string ip_address, email_id;
  std::vector<std::string> san_dns, san_emails, san_ips, san_uris;
};

Result<ossl::Pkey> GenerateKey(const CsrSuite& suite);
// PEM-encoded PKCS#10 request signed with `key`.
Result<std::string> MakeCsr(EVP_PKEY* key, const CsrSuite& suite, const CsrSubject& subject);

}  // namespace rotagent::certz
