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

std::string Holder(const std::filesystem::path& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return "another rotctl";
  const auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return "another rotctl";
  const int64_t age = time(nullptr) - j.value("since", int64_t{0});
  return "operation " + j.value("operation", std::string("?")) + " (" +
         j.value("command", std::string("?")) + ", by " + j.value("owner", std::string("?")) +
         ", " + std::to_string(age) + " s ago)";
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
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;  // never taken
  const FabricLock probe(fd);
  if (flock(fd, LOCK_SH | LOCK_NB) == 0) return std::nullopt;  // released when probe closes
  return Holder(path);
}

FabricLock::~FabricLock() {
  if (fd_ >= 0) close(fd_);
}

int FabricLock::InheritableFd() const {
  fcntl(fd_, F_SETFD, 0);
  return fd_;
}

}  // namespace rotagent::ctl
