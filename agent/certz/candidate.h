// Builds the next version of a profile from its current version and an upload, applying every
// validation rule. Nothing here touches disk or the network.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "agent/certz/material.h"
#include "agent/certz/upload.h"
#include "agent/certz/validate.h"

namespace rotagent::certz {

struct CandidateContext {
  const ProfileMaterial* current = nullptr;  // the profile's committed version
  EVP_PKEY* generated_key = nullptr;         // key from this stream's GenerateCSR, if any
  bool force_overwrite = false;
  int64_t now = 0;
  KeyPolicy key_policy;
  SizeLimits limits;
  // Committed material of another profile, for ExistingEntity; nullopt if no such profile.
  std::function<std::optional<ProfileMaterial>(const std::string&)> lookup;
  // Receives the trust store built to validate the candidate (published for the listener and
  // the lockout check, so the bundle is parsed and indexed once per rotation); may be null.
  std::shared_ptr<const TrustStore>* trust_out = nullptr;
};

Result<ProfileMaterial> BuildCandidate(const std::vector<EntityUpload>& uploads,
                                       const CandidateContext& ctx);

}  // namespace rotagent::certz
