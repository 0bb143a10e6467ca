// The control: the same module including what it may (its own header, the transaction below it
// and the platform seam) compiles, so a refusal of the others is the layering, not the set-up.
#include "agent/credentialz/engine.h"
#include "agent/txn/transaction.h"
#include "platform/platform.h"
