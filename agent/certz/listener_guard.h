// Applies the self-lockout rule (lockout.h) to the agent's own listener: a change to the profile
// it serves, deleting that profile, or binding it to another profile must still admit the caller.
#pragma once

#include <functional>
#include <string>

#include "agent/caller.h"
#include "agent/certz/material.h"
#include "agent/certz/profile_store.h"

namespace rotagent::certz {

class ListenerGuard {
 public:
  // `bound` names the profile the listener is bound to; `keep_expired_crl` is the CRL policy.
  ListenerGuard(const ProfileStore& store, std::function<std::string()> bound,
                std::function<bool()> keep_expired_crl)
      : store_(store), bound_(std::move(bound)), keep_expired_crl_(std::move(keep_expired_crl)) {}

  // Before `profile` becomes `next` (nullptr: deleted). Deleting the bound profile is refused.
  Status CheckChange(const Caller& caller, const std::string& profile,
                     const ProfileMaterial* next) const;
  // Before the listener is bound to `profile` (which exists and is a server profile).
  Status CheckBinding(const Caller& caller, const std::string& profile) const;

 private:
  // What the listener serves for `profile`: its live version, or system_default_profile's while
  // it holds no certificate.
  Result<ProfileMaterial> ServedFor(const std::string& profile) const;

  const ProfileStore& store_;
  std::function<std::string()> bound_;
  std::function<bool()> keep_expired_crl_;
};

}  // namespace rotagent::certz
