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
  // Told of the uploaded chain and its parsed key once each checked out on its own (the key
  // matches the leaf and the policy, every certificate is in its validity), before the candidate
  // is checked as a whole: the listener starts serving them meanwhile (`next` holds the chain
  // and trust bundle; its key PEM is written after). Not called for an upload without a chain;
  // may be empty.
  std::function<void(const ProfileMaterial& next, EVP_PKEY* key)> chain_checked;
};

Result<ProfileMaterial> BuildCandidate(const std::vector<EntityUpload>& uploads,
                                       const CandidateContext& ctx);

}  // namespace rotagent::certz
