// The SSH server's parameters as a credential kind: host keys and trusted user CA keys in the
// rotation tree and as /system/ssh-server/state leaves, the active host certificate's version,
// and sshd's authentication counters when the platform counts them.
#pragma once

#include <functional>
#include <optional>

#include "agent/state/credential_kind.h"
#include "platform/platform.h"

namespace rotagent::credentialz {

state::CredentialKind MakeSshHostKind(
    store::SlotStore* ssh, txn::Applier* applier,
    const std::function<std::optional<platform::SshAuthCounters>()>& counters);

}  // namespace rotagent::credentialz
