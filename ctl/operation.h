// Operation records: every rotation or resync gets an id and a JSON record under
// <state_dir>/operations, rewritten atomically as devices finish, so `rotctl operation show`
// can follow a run from any shell while it goes on and afterwards.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ctl/operation_kind.h"

namespace rotagent::ctl {

struct DeviceOutcome {
  std::string device;
  DeviceState status = DeviceState::kPending;
  std::string detail;  // the error, or why the device was skipped (every reason, "; "-joined)
  double seconds = 0;
  int attempts = 0;  // tries of the device's work, retries of transient errors included
  // Skipped because it failed pre-flight: it did not get the credential, so the operation
  // cannot have succeeded (unlike a skip for admin state or for being in sync already).
  bool preflight_failed = false;
  // Not tried before this time (seconds since the epoch): a renewal's per-device jitter.
  int64_t not_before = 0;
  double started = 0;  // when its first try began, seconds since the epoch
};

struct Operation {
  std::string id;
  OperationKind kind = OperationKind::kRotateCertificates;
  std::string scope;  // "fabric" or the device's name
  OperationStatus status = OperationStatus::kAccepted;
  std::string fabric, error;
  int64_t start_time = 0, end_time = 0;  // seconds since the epoch
  pid_t runner = 0;                      // the process running it, while it runs
  // What the run pushes: the certificate version, or profile -> password version.
  std::string certificate_version;
  std::string resync_of;  // a certificate resync: the intent it reissues, e.g. "v3"
  std::map<std::string, int> password_versions;
  std::string ca_step;  // a CA rotation's step: add-trust, reissue, ... (ctl/ca_rotation.h)
  std::vector<DeviceOutcome> devices;

  bool Done() const { return IsDone(status); }
};

nlohmann::json OperationJson(const Operation& op);

// "<prefix><UTC yyyymmdd-hhmmss>-<6 random hex digits>": ids of operations and CA rotations.
std::string NewRecordId(std::string_view prefix);

class OperationLog {
 public:
  explicit OperationLog(const std::filesystem::path& state_dir) : dir_(state_dir / "operations") {}

  static std::string NewId();
  Status Save(const Operation& op) const;
  // NOT_FOUND naming the id. A record left InProgress by a runner that died is reported Failed.
  Result<Operation> Load(const std::string& id) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace rotagent::ctl
