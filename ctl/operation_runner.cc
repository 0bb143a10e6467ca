#include "ctl/operation_runner.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "common/atomic_file.h"
#include "ctl/progress.h"

namespace rotagent::ctl {
namespace {

std::string HistoryPath(const Inventory& inv) {
  return (inv.state_dir / "device-outcomes.json").string();
}

void SaveHistory(const Inventory& inv, const Operation& op) {
  FabricHistory h = LoadHistory(inv);
  h.last_operation = op.id;
  for (const auto& d : op.devices) {
    if (d.status == "Succeeded" || d.status == "Failed") h.outcomes[d.device] = d.status;
  }
  const nlohmann::json j = {{"lastOperation", h.last_operation}, {"devices", h.outcomes}};
  (void)WriteFileAtomic(HistoryPath(inv), j.dump(2) + "\n", 0600);
}

}  // namespace

FabricHistory LoadHistory(const Inventory& inv) {
  FabricHistory h;
  auto text = ReadFile(HistoryPath(inv));
  if (!text.ok()) return h;
  const auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return h;
  h.last_operation = j.value("lastOperation", "");
  h.outcomes = j.value("devices", std::map<std::string, std::string>{});
  return h;
}

Operation RunOperation(Operation op, const Inventory& inv, int concurrency, const DeviceTask& task,
                       const OperationLog& log, bool progress) {
  std::vector<size_t> pending;
  for (size_t i = 0; i < op.devices.size(); ++i) {
    if (op.devices[i].status == "Pending") pending.push_back(i);
  }
  op.status = "InProgress";
  op.runner = getpid();
  std::mutex mu;  // guards op and the record on disk
  (void)log.Save(op);
  SaveHistory(inv, op);
  Progress display(pending.size(), progress);
  std::atomic<size_t> next{0};
  const int n = std::max(1, std::min(concurrency, static_cast<int>(pending.size())));
  std::vector<std::thread> workers;
  workers.reserve(n);
  for (int w = 0; w < n; ++w) {
    workers.emplace_back([&] {
      for (size_t k; (k = next++) < pending.size();) {
        const size_t i = pending[k];
        std::string name;
        {
          std::lock_guard lock(mu);
          op.devices[i].status = "InProgress";
          name = op.devices[i].device;
        }
        display.Started();
        const auto start = std::chrono::steady_clock::now();
        const Device* device = inv.Find(name);
        Status s =
            device != nullptr ? task(*device) : NotFound("device " + name + " left the inventory");
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        display.Finished(name, s.ok(), secs, s.message());
        std::lock_guard lock(mu);
        op.devices[i].status = s.ok() ? "Succeeded" : "Failed";
        op.devices[i].detail = s.ok() ? "" : s.message();
        op.devices[i].seconds = secs;
        (void)log.Save(op);
      }
    });
  }
  for (auto& w : workers) w.join();
  display.Done();
  size_t ok = 0, failed = 0;
  for (const auto& d : op.devices) {
    ok += d.status == "Succeeded" ? 1 : 0;
    failed += d.status == "Failed" ? 1 : 0;
  }
  op.status = failed == 0 ? "Succeeded" : ok > 0 ? "PartialSuccess" : "Failed";
  if (failed > 0) {
    op.error = std::to_string(failed) + " of " + std::to_string(ok + failed) + " devices failed";
  }
  op.end_time = time(nullptr);
  op.runner = 0;
  (void)log.Save(op);
  SaveHistory(inv, op);
  return op;
}

}  // namespace rotagent::ctl
