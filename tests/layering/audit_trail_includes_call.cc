// Compiled as part of the audit trail, which the transaction records into: a call's records, which
// name clients as the authz module does, are above it.
#include "agent/audit/call.h"
