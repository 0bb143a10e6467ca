// Local accounts as a credential kind: password, authorized keys and authorized principals per
// managed account, their OpenConfig user leaves, and drift of what the box holds.
#pragma once

#include "agent/state/credential_kind.h"
#include "platform/platform.h"

namespace rotagent::credentialz {

state::CredentialKind MakeAccountsKind(store::SlotStore* accounts, txn::Applier* applier,
                                       platform::Platform* platform);

}  // namespace rotagent::credentialz
