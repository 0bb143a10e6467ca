// The persisted state of a CA rotation, <state_dir>/ca-rotation.json (0600, written atomically):
// the old and new CA certificates, rotctl's client identities (newest first), and the steps run
// so far, each with the operations that carried it out. Other commands read it: certificate
// rotations are refused while a rotation is open, and every connection to a device tries the
// client identities in order and trusts both CAs (ctl/agent_link.cc).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/inventory.h"

namespace rotagent::ctl {

// One step of a rotation. Forward: add-trust (phase 1), reissue (phase 2), remove-trust
// (phase 3). Rollbacks: readd-trust (back to phase 2), reissue-old (back to phase 1),
// remove-new-trust (back to before phase 1: the rotation is abandoned).
struct CaRotationStep {
  std::string action;
  int phase = 0;      // where the fabric is once the step converged on every enabled device
  std::string label;  // trust steps: the trust bundle's version; reissue steps: "v<N>"
  int intent = 0;     // reissue steps: the certificate intent N
  int resumes = 0;    // reissue steps: resync labels issued since ("v<N>-r<M>")
  std::vector<std::string> operations;
  std::vector<std::string> converged;  // devices the step's operations succeeded on
};

struct ClientIdentity {
  std::filesystem::path cert, key;
};

struct CaRotation {
  std::string id;                  // "ca-<UTC time>-<random>"
  std::string state = "open";      // open | done | abandoned
  int64_t started = 0, ended = 0;  // seconds since the epoch
  std::string old_ca_pem, new_ca_pem;
  // rotctl's identities issued by rotations, newest first; the inventory's client is tried last.
  std::vector<ClientIdentity> identities;
  std::vector<CaRotationStep> steps;

  bool open() const { return state == "open"; }
  const CaRotationStep& step() const { return steps.back(); }
  CaRotationStep& step() { return steps.back(); }
};

std::filesystem::path CaRotationPath(const Inventory& inv);
// nullopt when no rotation was ever started; INTERNAL naming the file when it is damaged.
Result<std::optional<CaRotation>> LoadCaRotation(const Inventory& inv);
Status SaveCaRotation(const Inventory& inv, const CaRotation& r);

// FAILED_PRECONDITION while a rotation is open: certificates are then issued by its phases only.
Status CheckNoOpenCaRotation(const Inventory& inv);
// The identities to present to a device, in order: the rotations' (newest first), then the
// inventory's client.
std::vector<ClientIdentity> ClientIdentities(const Inventory& inv);
// The CA certificates an open rotation adds to what verifies devices (its new CA); "" otherwise.
std::string CaRotationRoots(const Inventory& inv);

}  // namespace rotagent::ctl
