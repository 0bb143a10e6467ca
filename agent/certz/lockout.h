// The self-lockout rule: a change to what the listener trusts (trust bundle, CRLs) or serves
// (the bound profile) must still admit the client that makes it, verified the way the listener
// verifies clients; otherwise it is refused with FAILED_PRECONDITION.
#pragma once

#include <string>

#include "agent/caller.h"
#include "agent/certz/material.h"
#include "common/status.h"

namespace rotagent::certz {

// OK if `caller` (none: the agent itself) verifies against `served`'s trust bundle and CRLs.
// `change` names the change in the message, e.g. "this upload".
Status CheckCallerAdmitted(const Caller& caller, const ProfileMaterial& served,
                           bool keep_expired_crl, const std::string& change);

}  // namespace rotagent::certz
