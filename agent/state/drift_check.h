// Drift: the box no longer holds what the agent committed (a file edited by hand, a password
// changed with passwd, a listener serving something else). Each finding turns the credential
// OutOfSync with a reason that names files and versions, never secrets; a credential that
// matches again is InSync again. Credentials in an open transaction are skipped.
#pragma once

#include <functional>
#include <string>

#include "agent/certz/profile_store.h"
#include "agent/state/sync_ledger.h"
#include "platform/platform.h"

namespace rotagent::state {

struct DriftSources {
  certz::ProfileStore* profiles;
  store::SlotStore* accounts;
  platform::Platform* platform;
  SyncLedger* ledger;
  std::function<std::string()> bound_profile;
  std::function<Result<std::string>()> served_fingerprint;  // of a new handshake to the listener
  std::function<std::string(const std::string&)> role_of;
};

void CheckDrift(const DriftSources& src);

}  // namespace rotagent::state
