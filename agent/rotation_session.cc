#include "agent/rotation_session.h"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace rotagent {

RotationSession::RotationSession(RotationGate::Hold hold, store::Journal& journal,
                                 const txn::Domains& domains, SessionNames names)
    : hold_(std::move(hold)), txn_(journal, domains, names.service), names_(std::move(names)) {
  txn_.WaitBeforeChanges([this] { return hold_.Settled(); });
}

RotationSession::~RotationSession() {
  // A committed rotation's journal entry and old slots go once its client has the answer, and so
  // does the heap the replaced material held: glibc keeps freed memory (a replaced 20,000-CA
  // trust store is about 100 MiB) unless asked to return it.
  if (txn_.committed()) {
    hold_.ReleaseAfter(txn_.Closer(), [] { malloc_trim(0); });
  } else {
    hold_.Closing();
  }
}

Status RotationSession::CheckOpen() const {
  if (txn_.finished()) return FailedPrecondition("the rotation has already finished");
  return Status::Ok();
}

Status RotationSession::Finalize() {
  ROTAGENT_RETURN_IF_ERROR(CheckOpen());
  if (!staged()) return FailedPrecondition(names_.nothing_staged);
  const auto start = std::chrono::steady_clock::now();
  Status s = txn_.Commit();
  if (s.ok()) {
    // The commit's time, for operators and rotbench (bench/certz_scale.cc reads it).
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    spdlog::info("{} committed in {:.2f} ms", names_.what, took.count());
  }
  return s;
}

void RotationSession::Rollback(const std::string& reason) {
  hold_.Closing();
  txn_.Rollback(reason);
}

Result<RotationGate::Hold> SessionGate::Admit(std::function<bool()> open) {
  ROTAGENT_RETURN_IF_ERROR(admit_());
  // A rotation only validates until its first stage, which waits for the clean-up.
  return gate_.Enter(std::move(open), busy_, busy_code_, RotationGate::Cleanup::kLater);
}

}  // namespace rotagent
