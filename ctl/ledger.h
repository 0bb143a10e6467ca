// The controller's ledger, <state_dir>/ledger.json: what rotctl knows of every device whether or
// not it answers now. Per device and credential: the label the fabric wants it to hold, the label
// the device last acknowledged (reported over gNMI) and when; per credential class: the outcome
// of the last operation of that class for every device it reached. `fabric show`, the password-set
// guardrail and `device show` read it for devices that cannot be asked.
//
// Several rotctl processes use it at once (a background runner, a `fabric show`), so every change
// is a read-modify-write under an flock on <state_dir>/ledger.lock, written atomically (0600).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/operation.h"

namespace rotagent::ctl {

struct CredentialEntry {
  std::string wanted;           // the label the fabric last sent or means to send; "" none yet
  std::string acknowledged;     // the label the device last reported holding; "" never seen
  int64_t acknowledged_at = 0;  // when rotctl saw it (seconds since the epoch)
  bool resync = false;          // `wanted` was issued by a resync of the fabric's intent
};

struct DeviceEntry {
  std::map<std::string, CredentialEntry> credentials;  // "profiles/gnsi/chain", ...
  int64_t last_seen = 0;                               // the last time the device answered
  std::string last_error;  // why it did not answer the last time it was asked; "" if it did
};

// Per credential class, per device: the outcome of the last operation of that class that
// reached the device. A fabric resync's "already InSync" skips leave the previous outcome.
struct DeviceResult {
  DeviceState state = DeviceState::kPending;
  std::string operation;  // its id
  std::string detail;     // every reason, when it failed or was skipped
};
struct ClassHistory {
  std::string last_operation;
  std::map<std::string, DeviceResult> devices;
};

struct LedgerData {
  std::string last_operation;  // of any class
  std::map<std::string, DeviceEntry> devices;
  std::map<CredentialClass, ClassHistory> history;
};

// The reason a fabric resync skips a device; it keeps the device's previous outcome.
inline constexpr const char* kAlreadyInSync = "already InSync";

class Ledger {
 public:
  explicit Ledger(const std::filesystem::path& state_dir)
      : path_(state_dir / "ledger.json"), lock_(state_dir / "ledger.lock") {}

  // An empty ledger when there is none yet; INTERNAL when it is damaged.
  Result<LedgerData> Load() const;
  // Applies `change` to the current ledger and writes it back, under the ledger's lock.
  Status Update(const std::function<void(LedgerData&)>& change) const;

 private:
  std::filesystem::path path_, lock_;
};

// What an operation's outcome does to the history of its class.
void RecordOutcomes(LedgerData& l, const Operation& op);

nlohmann::json LedgerJson(const LedgerData& l);

}  // namespace rotagent::ctl
