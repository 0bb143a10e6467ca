// CA rotation in phases, each step a normal operation (kind CaRotation) with its record:
//   phase 1  add-trust     the new CA joins the old in every device's trust bundles (leaves stay);
//   phase 2  reissue       every leaf re-issued from the new CA, under a new fabric version;
//   phase 3  remove-trust  the old CA leaves the bundles; the new CA is promoted into ca_dir.
// Rollbacks: readd-trust (phase 3 -> 2), reissue-old (2 -> 1, leaves from the old CA again),
// remove-new-trust (1 -> none: the new CA is set aside, the rotation abandoned).
// A step reaches every enabled device whose plan has a certificate profile. A device that fails
// (or is down) keeps the step open: `resume` re-runs it on the devices that do not hold it, and
// the next phase is refused until every enabled device does, naming those that do not. rotctl's
// client identity is re-issued from the new CA at the start, and links try it first.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "ctl/ca_rotation_state.h"
#include "ctl/inventory.h"
#include "ctl/operation.h"
#include "ctl/operation_runner.h"

namespace rotagent::ctl {

struct CaRotateRequest {
  int concurrency = 16;
  bool strict = false;      // refuse the step when any device fails pre-flight
  std::string common_name;  // start: the new CA's CN
  int days = 3650;          // start: its lifetime
  bool progress = false;    // per-device progress on stderr
};

struct CaStepRun {
  CaRotation rotation;
  Operation op;
};

Result<CaStepRun> StartCaRotation(const Inventory& inv, const CaRotateRequest& req);
// The next phase, once the current step converged on every enabled device.
Result<CaStepRun> AdvanceCaRotation(const Inventory& inv, const CaRotateRequest& req);
// The current step again, on the enabled devices that do not hold it.
Result<CaStepRun> ResumeCaRotation(const Inventory& inv, const CaRotateRequest& req);
// Undoes the current phase (a rollback step must itself have converged first).
Result<CaStepRun> RollbackCaRotation(const Inventory& inv, const CaRotateRequest& req);

// Enabled devices with a certificate plan that do not hold what the current step installs,
// with why: asked live; a device that does not answer is among them unless the step's record
// shows one of its operations succeeded on it.
std::map<std::string, std::string> Unconverged(const Inventory& inv, const CaRotation& r,
                                               int concurrency);
std::string DescribeStep(const std::string& action);
nlohmann::json CaRotationJson(const CaRotation& r);

// The per-device work of a CaRotation operation, rebuilt from its record and the rotation.
Result<DeviceTask> MakeCaRotationTask(const Inventory& inv, const Operation& op);

}  // namespace rotagent::ctl
