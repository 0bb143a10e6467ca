// Runs an operation's per-device work across the fabric, `concurrency` devices at a time, with
// retries of transient errors per the inventory's retry policy, rewriting the operation record as
// each device finishes and settling the result: Succeeded when every device succeeded,
// PartialSuccess when some did, Failed when none did. The ledger keeps, per credential class,
// every device's outcome of the last operation that reached it.
#pragma once

#include <functional>

#include "ctl/inventory.h"
#include "ctl/operation.h"

namespace rotagent::ctl {

// One try (`attempt` counts from 1) of one device's work.
using DeviceTask = std::function<Status(const Device&, int attempt)>;

Operation RunOperation(Operation op, const Inventory& inv, int concurrency, const DeviceTask& task,
                       const OperationLog& log, bool progress);

}  // namespace rotagent::ctl
