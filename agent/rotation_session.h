// One Rotate stream's session, the same for every Rotate-style service: admission (the admin
// state), one rotation at a time (the gate), the shared transaction, Finalize and rollback. A
// service's Rotation holds one and adds only its own per-request work.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "agent/rotation_gate.h"
#include "agent/store/journal.h"
#include "agent/txn/transaction.h"
#include "common/status.h"

namespace rotagent {

// What a session says about itself, in statuses and logs.
struct SessionNames {
  std::string service;         // journal entry prefix, e.g. "certz"
  std::string what;            // log subject, e.g. "profile 'p': rotation"
  std::string nothing_staged;  // FAILED_PRECONDITION message of a Finalize with nothing staged
};

class RotationSession {
 public:
  RotationSession(RotationGate::Hold hold, store::Journal& journal, const txn::Domains& domains,
                  SessionNames names);
  // The stream has ended: what is left is the rollback, or a commit's clean-up, which a next
  // Rotate waits for.
  ~RotationSession();
  RotationSession(const RotationSession&) = delete;
  RotationSession& operator=(const RotationSession&) = delete;

  txn::Transaction& txn() { return txn_; }
  const txn::Transaction& txn() const { return txn_; }
  // FAILED_PRECONDITION once finished; else OK.
  Status CheckOpen() const;
  // Commits every item staged in this session together.
  Status Finalize();
  // Puts back everything this session staged; `reason` becomes the credentials' last error.
  void Rollback(const std::string& reason);
  bool staged() const { return txn_.staged(); }

 private:
  RotationGate::Hold hold_;
  txn::Transaction txn_;  // after hold_, so it rolls back while the gate is held
  SessionNames names_;
};

// Admits Rotate streams of one service: asks the admission (e.g. the admin state), then takes
// the gate. Other changes of the service that must not overlap a rotation take gate() directly.
class SessionGate {
 public:
  // `busy` is the message, `busy_code` the code, answered while another open rotation runs.
  explicit SessionGate(std::string busy, Code busy_code = Code::kAborted)
      : busy_(std::move(busy)), busy_code_(busy_code) {}

  // Asked before every rotation; a refusal is returned as is.
  void SetAdmission(std::function<Status()> admit) { admit_ = std::move(admit); }
  // `open` says whether this caller's stream is still open (see RotationGate::Enter).
  Result<RotationGate::Hold> Admit(std::function<bool()> open);
  RotationGate& gate() { return gate_; }

 private:
  std::string busy_;
  Code busy_code_;
  RotationGate gate_;
  std::function<Status()> admit_ = [] { return Status::Ok(); };
};

}  // namespace rotagent
