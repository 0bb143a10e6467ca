// What a certz profile holds: the domain model shared by validation, the store and the service.
#pragma once

#include <cstdint>
#include <string>

namespace rotagent::certz {

// Identity of one entity as the controller sent it; stored and reported exactly as sent.
struct EntityMeta {
  std::string version;
  uint64_t created_on = 0;
  int64_t rotated_at = 0;  // seconds since the epoch when this version was committed
  bool present() const { return !version.empty(); }
  bool operator==(const EntityMeta&) const = default;
};

// One complete version of a profile. All fields change together (one slot, one pointer).
struct ProfileMaterial {
  std::string chain_pem;  // leaf first, then intermediates
  std::string key_pem;    // secret; PKCS#8
  std::string trust_pem;  // CA certificates
  std::string crl_pem;    // CRLs, may be empty
  std::string policy;     // authentication policy, stored opaquely (serialized Any)
  EntityMeta chain, trust, crl, auth_policy;

  bool has_certificate() const { return !chain_pem.empty(); }
};

enum class EntityType { kCertificateChain, kTrustBundle, kCrlBundle, kAuthPolicy };

const char* EntityTypeName(EntityType t);

}  // namespace rotagent::certz
