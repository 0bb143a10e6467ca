#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <utility>

#include "common/unique_fd.h"

namespace rotagent {
namespace fs = std::filesystem;

namespace {

std::string ErrnoText(const std::string& what, const fs::path& p) {
  return what + " " + p.string() + ": " + std::strerror(errno);
}

constexpr std::string_view kTempMarker = ".rotagent-tmp.";

std::string TempSuffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::string(kTempMarker) + std::to_string(getpid()) + "." +
         std::to_string(rng() % 1000000000);
}

}  // namespace

Status FsyncDir(const fs::path& dir) {
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return Internal(ErrnoText("cannot open directory", dir));
  if (fsync(fd.get()) != 0) return Internal(ErrnoText("cannot fsync directory", dir));
  return Status::Ok();
}

namespace {

Status WriteAll(int fd, std::string_view data, const fs::path& path) {
  for (size_t off = 0; off < data.size();) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal(ErrnoText("cannot write", path));
    off += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status CreateAndWrite(const fs::path& path, std::string_view data, mode_t mode, uid_t uid,
                      gid_t gid, bool flush) {
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) return Internal(ErrnoText("cannot create", path));
  Status s = Status::Ok();
  // The umask may have narrowed the mode; never widened, but make it exact.
  const bool chown_wanted = uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1);
  if (fchmod(fd.get(), mode) != 0 || (chown_wanted && fchown(fd.get(), uid, gid) != 0)) {
    s = Internal(ErrnoText("cannot set mode and owner of", path));
  }
  if (s.ok()) s = WriteAll(fd.get(), data, path);
  if (s.ok() && ((flush && fsync(fd.get()) != 0) || close(fd.release()) != 0)) {
    s = Internal(ErrnoText("cannot flush", path));
  }
  if (!s.ok()) unlink(path.c_str());
  return s;
}

}  // namespace

Status WriteNewFile(const fs::path& path, std::string_view data, mode_t mode, uid_t uid,
                    gid_t gid) {
  return CreateAndWrite(path, data, mode, uid, gid, true);
}

Status WriteNewFileUnsynced(const fs::path& path, std::string_view data, mode_t mode) {
  return CreateAndWrite(path, data, mode, static_cast<uid_t>(-1), static_cast<gid_t>(-1), false);
}

Status OverwriteFileUnsynced(const fs::path& path, std::string_view data, mode_t mode) {
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode));
  if (fd.get() < 0) return Internal(ErrnoText("cannot open", path));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Internal(ErrnoText("cannot inspect", path));
  if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != geteuid()) {
    return FailedPrecondition("refusing to overwrite " + path.string() +
                              ": not a regular file of the agent's with a single link");
  }
  if ((st.st_mode & 07777) != mode && fchmod(fd.get(), mode) != 0) {
    return Internal(ErrnoText("cannot set the mode of", path));
  }
  ROTAGENT_RETURN_IF_ERROR(WriteAll(fd.get(), data, path));
  if (ftruncate(fd.get(), static_cast<off_t>(data.size())) != 0) {
    return Internal(ErrnoText("cannot truncate", path));
  }
  if (close(fd.release()) != 0) return Internal(ErrnoText("cannot close", path));
  return Status::Ok();
}

Status WriteFileRecycling(const fs::path& path, std::string_view data, mode_t mode,
                          fs::path& spare) {
  fs::path tmp = std::exchange(spare, {});
  // A spare that cannot be written over as it is (see OverwriteFileUnsynced) is dropped.
  if (tmp.empty() || !OverwriteFileUnsynced(tmp, data, mode).ok()) {
    if (!tmp.empty()) unlink(tmp.c_str());
    tmp = AtomicTempPath(path);
    ROTAGENT_RETURN_IF_ERROR(WriteNewFileUnsynced(tmp, data, mode));
  }
  fs::path next = AtomicTempPath(path);
  if (link(path.c_str(), next.c_str()) != 0) next.clear();  // the first write: nothing replaced
  Status renamed = RenameIntoPlaceUnsynced(tmp, path);
  if (!renamed.ok() && !next.empty()) unlink(next.c_str());
  if (renamed.ok()) spare = std::move(next);
  return renamed;
}

Status SyncFilesystem(const fs::path& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Internal(ErrnoText("cannot open", path));
  if (syncfs(fd.get()) != 0) return Internal(ErrnoText("cannot sync the filesystem of", path));
  return Status::Ok();
}

fs::path AtomicTempPath(const fs::path& path) {
  fs::path tmp = path;
  tmp += TempSuffix();
  return tmp;
}

bool IsAtomicTemp(const fs::path& name, const std::string& base) {
  const std::string n = name.filename().string();
  const std::string prefix = base + std::string(kTempMarker);
  return n.size() > prefix.size() && n.compare(0, prefix.size(), prefix) == 0 &&
         n.find_first_not_of("0123456789.", prefix.size()) == std::string::npos;
}

Status RenameIntoPlaceUnsynced(const fs::path& tmp, const fs::path& path) {
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(tmp.c_str());
    errno = err;
    return Internal(ErrnoText("cannot rename into", path));
  }
  return Status::Ok();
}

Status RenameIntoPlace(const fs::path& tmp, const fs::path& path) {
  ROTAGENT_RETURN_IF_ERROR(RenameIntoPlaceUnsynced(tmp, path));
  return FsyncDir(path.parent_path().empty() ? fs::path(".") : path.parent_path());
}

Status WriteFileAtomic(const fs::path& path, std::string_view data, mode_t mode, uid_t uid,
                       gid_t gid) {
  const fs::path tmp = AtomicTempPath(path);
  ROTAGENT_RETURN_IF_ERROR(WriteNewFile(tmp, data, mode, uid, gid));
  return RenameIntoPlace(tmp, path);
}

Result<int> RemoveStaleTemps(const fs::path& dir) {
  int removed = 0;
  std::error_code ec;
  // Symlinks are not followed: only the agent's own tree is walked.
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const std::string n = it->path().filename().string();
    const auto marker = n.find(kTempMarker);
    if (marker == std::string::npos || marker == 0) continue;
    if (!IsAtomicTemp(n, n.substr(0, marker))) continue;
    if (it->symlink_status(ec).type() == fs::file_type::directory) continue;
    if (unlink(it->path().c_str()) != 0) {
      return Internal(ErrnoText("cannot remove stale temporary file", it->path()));
    }
    ++removed;
  }
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Internal("cannot walk " + dir.string() + ": " + ec.message());
  }
  return removed;
}

Status MakeDirs(const fs::path& dir, mode_t mode) {
  if (dir.empty() || fs::is_directory(dir)) return Status::Ok();
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(dir.parent_path(), mode));
  if (mkdir(dir.c_str(), mode) != 0) {
    if (errno == EEXIST) return Status::Ok();
    return Internal(ErrnoText("cannot create directory", dir));
  }
  // The umask may have narrowed the mode (the agent runs with 077); make it exact.
  if (chmod(dir.c_str(), mode) != 0) return Internal(ErrnoText("cannot chmod", dir));
  return FsyncDir(dir.parent_path().empty() ? fs::path(".") : dir.parent_path());
}

Status ReplaceSymlinkUnsynced(const fs::path& link, const fs::path& target) {
  const fs::path tmp = AtomicTempPath(link);
  if (symlink(target.c_str(), tmp.c_str()) != 0) return Internal(ErrnoText("cannot link", tmp));
  if (rename(tmp.c_str(), link.c_str()) != 0) {
    unlink(tmp.c_str());
    return Internal(ErrnoText("cannot rename into", link));
  }
  return Status::Ok();
}

Status ReplaceSymlink(const fs::path& link, const fs::path& target) {
  ROTAGENT_RETURN_IF_ERROR(ReplaceSymlinkUnsynced(link, target));
  return FsyncDir(link.parent_path());
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return NotFound("no such file " + path.string());
    return Status(Internal(ErrnoText("cannot read", path)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace rotagent
