#include "agent/certz/listener_guard.h"

#include "agent/certz/lockout.h"

namespace rotagent::certz {
namespace {
constexpr const char* kDefaultProfile = "system_default_profile";
}  // namespace

Result<ProfileMaterial> ListenerGuard::ServedFor(const std::string& profile) const {
  for (const std::string& id : {profile, std::string(kDefaultProfile)}) {
    auto slot = store_.Get(id, Pointer::kLive);
    if (!slot) continue;
    auto m = store_.ReadSlot(id, *slot);
    if (!m.ok()) return m.status();
    m->key_pem = Secret();  // only what it trusts matters here; the key is cleansed now
    if (m->has_certificate()) return m;
  }
  return FailedPrecondition("system_default_profile has no identity");
}

Status ListenerGuard::CheckChange(const Caller& caller, const std::string& profile,
                                  const ProfileMaterial* next) const {
  if (profile != bound_()) return Status::Ok();
  if (next == nullptr) {
    return FailedPrecondition("profile '" + profile +
                              "' is served by the agent's listener; bind the listener to another "
                              "profile (gNMI Set of certificate-id) before deleting it");
  }
  // Until the profile holds a certificate the listener keeps serving the default identity.
  if (!next->has_certificate()) return Status::Ok();
  return CheckCallerAdmitted(
      caller, *next, keep_expired_crl_(),
      "this change to profile '" + profile + "' (served by the agent's listener)");
}

Status ListenerGuard::CheckBinding(const Caller& caller, const std::string& profile) const {
  auto served = ServedFor(profile);
  if (!served.ok()) return served.status();
  return CheckCallerAdmitted(caller, *served, keep_expired_crl_(),
                             "binding the listener to profile '" + profile + "'");
}

}  // namespace rotagent::certz
