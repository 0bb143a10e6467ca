// Runs an operation's per-device work across the fabric, `concurrency` devices at a time,
// rewriting the operation record as each device finishes and settling the result: Succeeded
// when every device succeeded, PartialSuccess when some did, Failed when none did.
#pragma once

#include <functional>

#include "ctl/inventory.h"
#include "ctl/operation.h"

namespace rotagent::ctl {

using DeviceTask = std::function<Status(const Device&)>;

Operation RunOperation(Operation op, const Inventory& inv, int concurrency, const DeviceTask& task,
                       const OperationLog& log, bool progress);

// The per-device outcome of the last operation that reached each device, and the last
// operation's id: what `rotctl fabric show` reports as the fabric's rotation state.
struct FabricHistory {
  std::string last_operation;
  std::map<std::string, std::string> outcomes;  // device -> Succeeded | Failed
};
FabricHistory LoadHistory(const Inventory& inv);

}  // namespace rotagent::ctl
