// The four operations rotctl runs on devices: RotateCertificates, RotatePasswords,
// ResyncCertificates and ResyncPasswords, at fabric or device scope. Submitting checks the
// guardrails, takes the fabric lock, moves the fabric's target version (rotations only: new
// secrets and certificate versions are made here and nowhere else) and records the operation
// as Accepted. The per-device work is rebuilt from that record alone, so a background runner
// can carry it out.
#pragma once

#include <optional>
#include <string>

#include "ctl/fabric_lock.h"
#include "ctl/inventory.h"
#include "ctl/operation.h"
#include "ctl/operation_runner.h"

namespace rotagent::ctl {

struct OperationRequest {
  std::string kind;  // RotateCertificates | RotatePasswords | ResyncCertificates | ResyncPasswords
  std::string device;  // empty: the whole fabric
  int concurrency = 16;
};

struct Submitted {
  Operation op;
  FabricLock lock;
};

Result<Submitted> Submit(const Inventory& inv, const OperationRequest& req);
Result<DeviceTask> MakeTask(const Inventory& inv, const Operation& op);

}  // namespace rotagent::ctl
