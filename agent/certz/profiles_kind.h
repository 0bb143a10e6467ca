// certz profiles as a credential kind: chain, trust bundle, CRLs and authentication policy per
// profile in the rotation tree, the grpc-server leaves of what the listener serves, and drift of
// the installed files and of the served certificate.
#pragma once

#include <functional>
#include <string>

#include "agent/certz/profile_store.h"
#include "agent/state/credential_kind.h"
#include "platform/platform.h"

namespace rotagent::certz {

struct ProfilesKindSources {
  ProfileStore* profiles;
  txn::Applier* applier;
  platform::Platform* platform;
  std::function<std::string()> bound_profile;
  std::function<std::string(const std::string&)> role_of;
  std::function<Result<std::string>()> served_fingerprint;  // of a new handshake to the listener
};

state::CredentialKind MakeProfilesKind(ProfilesKindSources src);

}  // namespace rotagent::certz
