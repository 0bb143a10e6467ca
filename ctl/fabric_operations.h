// The four operations rotctl runs on devices: RotateCertificates, RotatePasswords,
// ResyncCertificates and ResyncPasswords, at fabric or device scope, each device following its
// credential plan. Submitting checks the guardrails, takes the fabric lock, runs the pre-flight,
// moves the fabric's target version (new secrets and certificate labels are made here and nowhere
// else), records in the ledger what each device should now hold and records the operation as
// Accepted. The per-device work is rebuilt from that record alone, so a background runner
// can carry it out.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "ctl/fabric_lock.h"
#include "ctl/inventory.h"
#include "ctl/operation.h"
#include "ctl/operation_runner.h"

namespace rotagent::ctl {

struct OperationRequest {
  OperationKind kind = OperationKind::kRotateCertificates;
  std::string device;  // empty: the whole fabric
  int concurrency = 16;
  bool strict = false;  // refuse the operation when any device fails pre-flight
  // kRenewCertificates: the devices to renew, each with its delay in seconds from the start.
  std::map<std::string, int64_t> renew_delays;
};

struct Submitted {
  Operation op;
  FabricLock lock;
};

Result<Submitted> Submit(const Inventory& inv, const OperationRequest& req);
Result<DeviceTask> MakeTask(const Inventory& inv, const Operation& op);
// After a device succeeded: the ledger records the labels it now holds.
Status RecordAcknowledged(const Inventory& inv, const Operation& op, const Device& device);

}  // namespace rotagent::ctl
