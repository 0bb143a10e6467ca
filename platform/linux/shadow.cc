#include "platform/linux/shadow.h"

#include <fcntl.h>
#include <shadow.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <optional>
#include <vector>

#include "common/atomic_file.h"
#include "common/failpoint.h"
#include "common/ossl.h"

namespace rotagent::platform {
namespace fs = std::filesystem;

namespace {

// Finds the line of `user`: it must start with exactly "user:", so "admin" never matches
// "admin2". Returns [begin, end) of the line without its newline.
std::optional<std::pair<size_t, size_t>> FindLine(const std::string& content,
                                                  const std::string& user) {
  const std::string prefix = user + ":";
  size_t pos = 0;
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string::npos) end = content.size();
    if (content.compare(pos, prefix.size(), prefix) == 0) return std::pair{pos, end};
    pos = end + 1;
  }
  return std::nullopt;
}

std::vector<std::string> SplitFields(const std::string& line) {
  std::vector<std::string> f;
  size_t start = 0;
  for (;;) {
    size_t colon = line.find(':', start);
    f.push_back(line.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return f;
}

class ShadowLock {
 public:
  ShadowLock() : held_(lckpwdf() == 0) {}
  ~ShadowLock() {
    if (held_) ulckpwdf();
  }
  ShadowLock(const ShadowLock&) = delete;
  ShadowLock& operator=(const ShadowLock&) = delete;
  bool held() const { return held_; }

 private:
  bool held_;
};

}  // namespace

Result<std::string> ShadowHash(const std::string& content, const std::string& user) {
  auto line = FindLine(content, user);
  if (!line) return NotFound("no shadow entry for account '" + user + "'");
  auto f = SplitFields(content.substr(line->first, line->second - line->first));
  if (f.size() < 2) return Internal("malformed shadow entry for account '" + user + "'");
  return f[1];
}

Result<std::string> ReplaceShadowHash(const std::string& content, const std::string& user,
                                      const std::string& hash, long today) {
  if (hash.find_first_of(":\n") != std::string::npos) {
    return InvalidArgument("a password hash cannot hold ':' or a newline");
  }
  auto line = FindLine(content, user);
  if (!line) return NotFound("no shadow entry for account '" + user + "'");
  auto f = SplitFields(content.substr(line->first, line->second - line->first));
  if (f.size() != 9) return Internal("shadow entry of account '" + user + "' has not 9 fields");
  f[1] = hash;
  if (!f[2].empty() && f[2] != "0") f[2] = std::to_string(today);
  std::string rebuilt;
  for (size_t i = 0; i < f.size(); ++i) rebuilt += (i ? ":" : "") + f[i];
  for (auto& field : f) Wipe(field);
  return content.substr(0, line->first) + rebuilt + content.substr(line->second);
}

Status WriteShadowHash(const fs::path& path, const std::string& user, const std::string& hash) {
  ShadowLock lock;
  if (!lock.held()) return Unavailable("cannot take the shadow lock (lckpwdf)");
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Internal("cannot stat " + path.string());
  auto content = ReadFile(path);
  if (!content.ok()) return content.status();
  const long today = static_cast<long>(std::time(nullptr) / 86400);
  auto next = ReplaceShadowHash(*content, user, hash, today);
  Wipe(*content);
  if (!next.ok()) return next.status();
  const fs::path tmp = AtomicTempPath(path);
  Status s = WriteNewFile(tmp, *next, st.st_mode & 07777, st.st_uid, st.st_gid);
  Wipe(*next);
  if (s.ok()) {
    Failpoint("linux.shadow_before_rename");
    s = RenameIntoPlace(tmp, path);
  }
  Failpoint("linux.shadow_written");
  return s.WithContext("writing " + path.string());
}

Result<int> RemoveStaleShadowTemps(const fs::path& path) {
  ShadowLock lock;
  if (!lock.held()) return Unavailable("cannot take the shadow lock (lckpwdf)");
  const std::string base = path.filename().string();
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path.parent_path(), ec)) {
    if (!IsAtomicTemp(entry.path(), base)) continue;
    if (entry.symlink_status(ec).type() != fs::file_type::regular) continue;
    // Under the lock no write of ours is in flight: any such file is a crash's leftover.
    if (unlink(entry.path().c_str()) != 0) {
      return Internal("cannot remove stale " + entry.path().string());
    }
    ++removed;
  }
  if (ec) return Internal("cannot list " + path.parent_path().string() + ": " + ec.message());
  return removed;
}

}  // namespace rotagent::platform
