#include "agent/rotation_session.h"

#include <spdlog/spdlog.h>

namespace rotagent {

RotationSession::RotationSession(RotationGate::Hold hold, store::Journal& journal,
                                 const txn::Domains& domains, SessionNames names)
    : hold_(std::move(hold)), txn_(journal, domains, names.service), names_(std::move(names)) {}

Status RotationSession::CheckOpen() const {
  if (txn_.finished()) return FailedPrecondition("the rotation has already finished");
  return Status::Ok();
}

Status RotationSession::Finalize() {
  ROTAGENT_RETURN_IF_ERROR(CheckOpen());
  if (!staged()) return FailedPrecondition(names_.nothing_staged);
  Status s = txn_.Commit();
  if (s.ok()) spdlog::info("{} committed", names_.what);
  return s;
}

void RotationSession::Rollback(const std::string& reason) {
  hold_.Closing();
  txn_.Rollback(reason);
}

Result<RotationGate::Hold> SessionGate::Admit(std::function<bool()> open) {
  ROTAGENT_RETURN_IF_ERROR(admit_());
  return gate_.Enter(std::move(open), busy_, busy_code_);
}

}  // namespace rotagent
