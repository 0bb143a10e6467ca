// The gNSI authz policy as a credential kind: its domain and store join the transaction and the
// ledger, its version appears in the rotation tree (authz/policy/policy), and it reports the
// policy in force under /system/aaa/authorization/state and the per-RPC authz-policy-counters of
// the grpc-server.
#pragma once

#include "agent/authz/engine.h"
#include "agent/state/credential_kind.h"

namespace rotagent::authz {

state::CredentialKind MakePolicyKind(store::SlotStore* store, Engine* engine);

}  // namespace rotagent::authz
