#include "agent/rotation_session.h"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>

namespace rotagent {
namespace {

// Resident memory from /proc/self/statm, which costs a read: mallinfo2() or malloc_trim() visit
// every arena (about 2 ms here even after a one-leaf rotation, on a core the next rotation needs).
size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t total = 0;
  size_t resident = 0;
  statm >> total >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Returns the freed heap to the system once resident memory has grown by a few MiB since the last
// time: glibc keeps what a replaced 20,000-CA trust store freed (about 100 MiB) unless asked.
void ReturnFreedHeap() {
  constexpr size_t kGrowth = size_t{4} << 20;
  static std::atomic<size_t> after_last{0};  // each service's gate has a clean-up thread
  if (ResidentBytes() < after_last + kGrowth) return;
  malloc_trim(0);
  after_last = ResidentBytes();
}

}  // namespace

RotationSession::RotationSession(RotationGate::Hold hold, store::Journal& journal,
                                 const txn::Domains& domains, SessionNames names)
    : hold_(std::move(hold)), txn_(journal, domains, names.service), names_(std::move(names)) {
  txn_.WaitBeforeChanges([this] { return hold_.Settled(); });
}

RotationSession::~RotationSession() {
  // A committed rotation's journal entry and old slots go once its client has the answer, and so
  // does the heap the replaced material held. The next stage waits for the first two, so that it
  // finds the old slots retired for it to reuse (not for the heap).
  if (txn_.committed()) {
    hold_.ReleaseAfter(
        [close = txn_.Closer(), collect = txn_.Collector()] {
          close();
          collect();
        },
        ReturnFreedHeap);
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
