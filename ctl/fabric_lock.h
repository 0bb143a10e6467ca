// One fabric-wide operation at a time: an flock on <state_dir>/lock, held by whichever process
// runs the operation and released by the kernel when that process ends, however it ends. The
// file records who holds it, so a refusal can name the holder and the lock's age.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/status.h"

namespace rotagent::ctl {

class FabricLock {
 public:
  // FAILED_PRECONDITION naming the operation that holds the lock, its owner and age.
  static Result<FabricLock> Acquire(const std::filesystem::path& state_dir,
                                    const std::string& operation_id, const std::string& command);
  // Adopts a lock descriptor handed down by the process that took it (see fd()).
  static FabricLock Adopt(int fd);
  // Who holds the lock now ("operation ... (command, by owner, N s ago)"); nullopt when free.
  static std::optional<std::string> HeldBy(const std::filesystem::path& state_dir);
  // Whether the operation `operation_id` holds the lock now.
  static bool HeldFor(const std::filesystem::path& state_dir, const std::string& operation_id);

  FabricLock(FabricLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FabricLock& operator=(FabricLock&&) = delete;
  ~FabricLock();

  // Kept open across exec, so a background runner inherits the lock.
  int InheritableFd() const;

 private:
  explicit FabricLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace rotagent::ctl
