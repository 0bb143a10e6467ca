#include "ctl/fabric_lock.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <unistd.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace rotagent::ctl {
namespace {

std::string Owner() {
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  const passwd* pw = getpwuid(geteuid());
  return std::string(pw != nullptr ? pw->pw_name : std::to_string(geteuid())) + "@" + host;
}

// The holder's record, or null when it cannot be read (being written, or by an older rotctl).
nlohmann::json Record(const std::filesystem::path& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return nullptr;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  return j.is_object() ? j : nullptr;
}

std::string Holder(const std::filesystem::path& path) {
  const auto j = Record(path);
  if (j.is_null()) return "another rotctl";
  const int64_t age = time(nullptr) - j.value("since", int64_t{0});
  return "operation " + j.value("operation", std::string("?")) + " (" +
         j.value("command", std::string("?")) + ", by " + j.value("owner", std::string("?")) +
         ", " + std::to_string(age) + " s ago)";
}

// Whether a process holds the lock now: a probe's shared lock is refused.
bool Held(const std::filesystem::path& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;  // never taken
  const bool held = flock(fd, LOCK_SH | LOCK_NB) != 0;
  close(fd);  // and with it the probe's lock
  return held;
}

}  // namespace

Result<FabricLock> FabricLock::Acquire(const std::filesystem::path& state_dir,
                                       const std::string& operation_id,
                                       const std::string& command) {
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(state_dir, 0700));
  const auto path = state_dir / "lock";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot open " + path.string());
  FabricLock lock(fd);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return FailedPrecondition("another fabric-wide operation is running: " + Holder(path) +
                              "; wait for it (rotctl operation show ID --wait) and retry");
  }
  const std::string record = nlohmann::json{
      {"operation", operation_id},
      {"command", command},
      {"owner", Owner()},
      {"since", time(nullptr)}}.dump();
  if (ftruncate(fd, 0) != 0 ||
      pwrite(fd, record.data(), record.size(), 0) != static_cast<ssize_t>(record.size())) {
    return Internal("cannot write " + path.string());
  }
  return lock;
}

FabricLock FabricLock::Adopt(int fd) { return FabricLock(fd); }

std::optional<std::string> FabricLock::HeldBy(const std::filesystem::path& state_dir) {
  const auto path = state_dir / "lock";
  if (!Held(path)) return std::nullopt;
  return Holder(path);
}

bool FabricLock::HeldFor(const std::filesystem::path& state_dir, const std::string& operation_id) {
  const auto path = state_dir / "lock";
  if (!Held(path)) return false;
  const auto j = Record(path);
  return !j.is_null() && j.value("operation", std::string()) == operation_id;
}

FabricLock::~FabricLock() {
  if (fd_ >= 0) close(fd_);
}

int FabricLock::InheritableFd() const {
  fcntl(fd_, F_SETFD, 0);
  return fd_;
}

}  // namespace rotagent::ctl
