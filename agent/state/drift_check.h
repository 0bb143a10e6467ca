// Drift: the box no longer holds what the agent committed (a file edited by hand, a password
// changed with passwd, a listener serving something else). Each registered kind checks its own
// items; each finding turns the credential OutOfSync with a reason that names files and
// versions, never secrets, and a credential that matches again is InSync again. Items in an open
// transaction are skipped.
#pragma once

#include "agent/state/credential_kind.h"
#include "agent/state/sync_ledger.h"

namespace rotagent::state {

void CheckDrift(const Kinds& kinds, SyncLedger& ledger);

}  // namespace rotagent::state
