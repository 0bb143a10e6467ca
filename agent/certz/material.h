// What a certz profile holds: the domain model shared by validation, the store and the service.
#pragma once

#include <string>

#include "agent/store/entity_meta.h"

namespace rotagent::certz {

using store::EntityMeta;

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
