#include "ctl/operation_runner.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "ctl/ledger.h"
#include "ctl/parallel.h"
#include "ctl/progress.h"
#include "ctl/retry.h"

namespace rotagent::ctl {
namespace {

void SaveHistory(const Inventory& inv, const Operation& op) {
  const Status s = Ledger(inv.state_dir).Update([&](LedgerData& l) { RecordOutcomes(l, op); });
  if (!s.ok())
    std::fprintf(stderr, "rotctl: the ledger was not updated: %s\n", s.message().c_str());
}

}  // namespace

Operation RunOperation(Operation op, const Inventory& inv, int concurrency, const DeviceTask& task,
                       const OperationLog& log, bool progress) {
  std::vector<size_t> pending;
  for (size_t i = 0; i < op.devices.size(); ++i) {
    if (op.devices[i].status == DeviceState::kPending) pending.push_back(i);
  }
  op.status = OperationStatus::kInProgress;
  op.runner = getpid();
  std::mutex mu;  // guards op and the record on disk
  (void)log.Save(op);
  SaveHistory(inv, op);
  Progress display(pending.size(), progress);
  ForEachConcurrently(pending.size(), concurrency, [&](size_t k) {
    const size_t i = pending[k];
    std::string name;
    int64_t not_before = 0;
    {
      std::lock_guard lock(mu);
      name = op.devices[i].device;
      not_before = op.devices[i].not_before;
    }
    // A renewal spreads its devices over the jitter window (a restarted runner keeps the times).
    std::this_thread::sleep_until(std::chrono::system_clock::from_time_t(not_before));
    {
      std::lock_guard lock(mu);
      op.devices[i].status = DeviceState::kInProgress;
      op.devices[i].started =
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
              .count();
    }
    display.Started();
    const auto start = std::chrono::steady_clock::now();
    const Device* device = inv.Find(name);
    int tries = 0;
    Status s = device != nullptr
                   ? WithRetries(
                         inv.retry, [&](int attempt) { return task(*device, attempt); }, &tries)
                   : NotFound("device " + name + " left the inventory");
    if (!s.ok() && tries > 1) {
      s = Status(s.code(), s.message() + " (after " + std::to_string(tries) + " tries)");
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    display.Finished(name, s.ok(), secs, s.message());
    std::lock_guard lock(mu);
    op.devices[i].status = s.ok() ? DeviceState::kSucceeded : DeviceState::kFailed;
    op.devices[i].detail = s.ok() ? "" : s.message();
    op.devices[i].seconds = secs;
    op.devices[i].attempts = tries;
    (void)log.Save(op);
  });
  display.Done();
  size_t ok = 0, failed = 0;
  for (const auto& d : op.devices) {
    ok += d.status == DeviceState::kSucceeded ? 1 : 0;
    failed += d.status == DeviceState::kFailed || d.preflight_failed ? 1 : 0;
  }
  op.status = failed == 0 ? OperationStatus::kSucceeded
              : ok > 0    ? OperationStatus::kPartialSuccess
                          : OperationStatus::kFailed;
  if (failed > 0) {
    op.error = std::to_string(failed) + " of " + std::to_string(ok + failed) +
               " devices failed or did not pass pre-flight";
  }
  op.end_time = time(nullptr);
  op.runner = 0;
  (void)log.Save(op);
  SaveHistory(inv, op);
  return op;
}

}  // namespace rotagent::ctl
