// What a certz profile holds: the domain model shared by validation, the store and the service.
#pragma once

#include <string>

#include "agent/store/entity_meta.h"
#include "common/secret.h"

namespace rotagent::certz {

using store::EntityMeta;

// One complete version of a profile. All fields change together (one slot, one pointer).
// Move-only, because of the key: a copy is one more buffer holding it, so the one place that needs
// a second version says so with Clone().
struct ProfileMaterial {
  std::string chain_pem;  // leaf first, then intermediates
  Secret key_pem;         // PKCS#8; cleansed when the material is destroyed
  std::string trust_pem;  // CA certificates
  std::string crl_pem;    // CRLs, may be empty
  std::string policy;     // authentication policy, stored opaquely (serialized Any)
  EntityMeta chain, trust, crl, auth_policy;

  bool has_certificate() const { return !chain_pem.empty(); }

  // An explicit copy, key included. Aggregate initialisation, so -Wmissing-field-initializers
  // catches a field added later and not copied here.
  ProfileMaterial Clone() const {
    return {chain_pem,  Secret(std::string(key_pem.reveal())),
            trust_pem,  crl_pem,
            policy,     chain,
            trust,      crl,
            auth_policy};
  }
};

enum class EntityType { kCertificateChain, kTrustBundle, kCrlBundle, kAuthPolicy };

const char* EntityTypeName(EntityType t);

}  // namespace rotagent::certz
