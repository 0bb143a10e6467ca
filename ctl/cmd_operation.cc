// rotctl fabric rotate-*|resync-*, device resync-*, operation show, and the background runner.
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "ctl/cli.h"
#include "ctl/device_status.h"
#include "ctl/fabric_operations.h"

namespace rotagent::ctl {
namespace fs = std::filesystem;
namespace {

int Print(const Operation& op, const Options& o) {
  if (o.json()) {
    std::cout << OperationJson(op).dump(2) << "\n";
    return ExitFor(op);
  }
  std::cout << "operation " << op.id << ": " << Name(op.kind) << " (" << op.scope << ") "
            << Name(op.status) << "\nstarted " << RenderTime(op.start_time)
            << (op.end_time != 0 ? ", ended " + RenderTime(op.end_time) : "") << "\n";
  if (!op.error.empty()) std::cout << op.error << "\n";
  std::vector<std::vector<std::string>> rows = {{"DEVICE", "STATUS", "SECONDS", "TRIES", "DETAIL"}};
  for (const auto& d : op.devices) {
    char secs[16] = "";
    if (d.status == DeviceState::kSucceeded || d.status == DeviceState::kFailed) {
      snprintf(secs, sizeof secs, "%.1f", d.seconds);
    }
    rows.push_back({d.device, std::string(Name(d.status)), secs,
                    d.attempts > 0 ? std::to_string(d.attempts) : "", d.detail});
  }
  PrintTable(rows);
  return ExitFor(op);
}

// Starts `rotctl __run ID` in its own session, its output in <id>.log beside the record; it
// inherits the fabric lock. posix_spawn, not fork: gRPC's threads must not be forked.
Status Spawn(const Inventory& inv, const Options& o, const Operation& op, const FabricLock& lock) {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return Internal("cannot find the rotctl binary: " + ec.message());
  std::vector<std::string> args = {self.string(),
                                   "--inventory",
                                   fs::absolute(o.inventory).string(),
                                   "--concurrency",
                                   std::to_string(o.concurrency),
                                   "--lock-fd",
                                   std::to_string(lock.InheritableFd()),
                                   "__run",
                                   op.id};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = (inv.state_dir / "operations" / (op.id + ".log")).string();
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  pid_t pid = 0;
  const int err = posix_spawn(&pid, argv[0], &files, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attr);
  if (err != 0)
    return Internal("cannot start the background runner: " + std::string(strerror(err)));
  return Status::Ok();
}

Operation Run(const Inventory& inv, const Options& o, Operation op, bool progress) {
  const OperationLog log(inv.state_dir);
  auto task = MakeTask(inv, op);
  if (!task.ok()) {
    op.status = OperationStatus::kFailed;
    op.error = task.status().message();
    op.end_time = time(nullptr);
    (void)log.Save(op);
    return op;
  }
  return RunOperation(std::move(op), inv, o.concurrency, *task, log, progress);
}

}  // namespace

int StartOperation(const Inventory& inv, const Options& o, OperationKind kind,
                   const std::string& device) {
  auto sub = Submit(inv, {kind, device, o.concurrency, o.strict});
  if (!sub.ok()) return Fail(sub.status());
  if (o.wait) return Print(Run(inv, o, std::move(sub->op), !o.json()), o);
  if (Status s = Spawn(inv, o, sub->op, sub->lock); !s.ok()) return Fail(s);
  size_t submitted = 0;
  for (const auto& d : sub->op.devices) submitted += d.status == DeviceState::kPending ? 1 : 0;
  if (o.json()) {
    std::cout << nlohmann::json{{"id", sub->op.id},
                                {"operation", Name(kind)},
                                {"scope", sub->op.scope},
                                {"submittedDeviceCount", submitted},
                                {"status", "Accepted"}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "operation " << sub->op.id << " Accepted: " << Name(kind) << " (" << sub->op.scope
              << "), " << submitted << " devices\nfollow it with: rotctl operation show "
              << sub->op.id << " --wait\n";
  }
  return kExitOk;
}

int OperationShow(const Inventory& inv, const Options& o) {
  const OperationLog log(inv.state_dir);
  for (;;) {
    auto op = log.Load(o.args[2]);
    if (!op.ok()) return Fail(op.status());
    // A runner records its end, then its history, and its exit releases the fabric lock: a wait
    // lasts until the lock is free of the operation, so that the next one is not refused.
    if (!o.wait || (op->Done() && !FabricLock::HeldFor(inv.state_dir, op->id))) {
      return Print(*op, o);
    }
    // A CLI waiting on another process's record; a fifth of a second is responsive enough.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int RunInBackground(const Inventory& inv, const Options& o) {
  if (o.lock_fd < 0) return Fail(InvalidArgument("__run is internal to rotctl"));
  const FabricLock lock = FabricLock::Adopt(o.lock_fd);
  auto op = OperationLog(inv.state_dir).Load(o.args[1]);
  if (!op.ok()) return Fail(op.status());
  return ExitFor(Run(inv, o, std::move(*op), true));
}

}  // namespace rotagent::ctl
