// An upload in domain form, translated from the certz UploadRequest by the service.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/certz/material.h"
#include "common/secret.h"
#include "common/x509.h"

namespace rotagent::certz {

struct Blob {
  std::string data;
  x509::Encoding encoding = x509::Encoding::kPem;
};

// An uploaded private key: cleansed when the upload is destroyed.
struct KeyBlob {
  Secret data;
  x509::Encoding encoding = x509::Encoding::kPem;
};

struct EntityUpload {
  enum class Kind { kChain, kTrustChain, kTrustPkcs7, kCrlBundle, kAuthPolicy, kExisting };
  Kind kind = Kind::kChain;
  std::string version;
  uint64_t created_on = 0;
  std::vector<Blob> certs;       // kChain (leaf first) and kTrustChain
  std::optional<KeyBlob> key;    // kChain: raw private key
  bool key_generated = false;    // kChain: use the key of this stream's CSR
  std::string pkcs7;             // kTrustPkcs7
  std::vector<Blob> crls;        // kCrlBundle
  std::string policy;            // kAuthPolicy
  std::string existing_profile;  // kExisting
  std::optional<EntityType> existing_type;
};

EntityType TypeOf(const EntityUpload& e);

}  // namespace rotagent::certz
