#include "common/safe_path.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/atomic_file.h"

namespace rotagent {
namespace fs = std::filesystem;

namespace {

// O_NONBLOCK: a FIFO swapped in for a directory must not hang the open.
constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;

std::string Errno(const std::string& what, const fs::path& p) {
  return what + " " + p.string() + ": " + std::strerror(errno);
}

std::string Octal(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

std::string AccountLabel(const PathOwner& o) {
  return o.uid == 0 ? "root" : "root or account '" + o.name + "'";
}

Status CheckPath(const fs::path& p, bool want_file) {
  bool ok = p.is_absolute() && (!want_file || !p.filename().empty());
  for (const auto& part : p.relative_path()) {
    if (part == "." || part == "..") ok = false;
  }
  if (!ok) {
    return FailedPrecondition(p.string() + " is not an absolute path" +
                              (want_file ? " to a file" : "") + " without '.' or '..'");
  }
  return Status::Ok();
}

// Applies the ownership rule to a directory reached on the walk; `in_account` becomes true at
// the first directory of the account and stays so.
Status CheckDir(const struct stat& st, const fs::path& shown, const PathOwner& o,
                bool& in_account) {
  if (!S_ISDIR(st.st_mode)) return FailedPrecondition(shown.string() + " is not a directory");
  const bool shared = (st.st_mode & 022) != 0;
  if (st.st_uid == 0) {
    if (in_account) {
      // Only root can have put it there, or the account moved it in: never write through it.
      return FailedPrecondition(shown.string() +
                                " belongs to root but lies inside a directory of " + "account '" +
                                o.name +
                                "'; below the account's directories every directory must be the "
                                "account's");
    }
    if (shared && (st.st_mode & S_ISVTX) == 0) {
      return FailedPrecondition(shown.string() + " is writable by group or others (mode " +
                                Octal(st.st_mode) + ") and not sticky");
    }
    return Status::Ok();
  }
  if (o.uid != 0 && st.st_uid == o.uid) {
    if (shared) {
      return FailedPrecondition(shown.string() + " is writable by group or others (mode " +
                                Octal(st.st_mode) + ")");
    }
    in_account = true;
    return Status::Ok();
  }
  return FailedPrecondition(shown.string() + " is owned by uid " + std::to_string(st.st_uid) +
                            ", not by " + AccountLabel(o));
}

// Where a file should be: a single-link regular file.
Status CheckFile(const struct stat& st, const fs::path& shown) {
  if (S_ISLNK(st.st_mode)) {
    return FailedPrecondition(shown.string() + " is a symlink; the agent follows no symlink");
  }
  if (S_ISDIR(st.st_mode)) {
    return FailedPrecondition(shown.string() + " is a directory where a file should be");
  }
  if (!S_ISREG(st.st_mode)) {
    const char* kind = S_ISFIFO(st.st_mode)   ? "a FIFO"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "a device";
    return FailedPrecondition(shown.string() + " is " + kind + ", not a regular file");
  }
  if (st.st_nlink != 1) {
    return FailedPrecondition(shown.string() + " has " + std::to_string(st.st_nlink) +
                              " hard links; a file here must have exactly one");
  }
  return Status::Ok();
}

// A file read in the account's directory must be the account's, anywhere else root's: a file
// the account hard-linked before its other name went away (an old /etc/shadow replaced by rename
// has one link again) must never be read as the account's own.
Status CheckFileOwner(int parent, const struct stat& st, const fs::path& shown,
                      const PathOwner& o) {
  struct stat dir {};
  if (fstat(parent, &dir) != 0) return Internal(Errno("cannot stat the directory of", shown));
  const uid_t want = o.uid != 0 && dir.st_uid == o.uid ? o.uid : 0;
  if (st.st_uid == want) return Status::Ok();
  return FailedPrecondition(shown.string() + " is owned by uid " + std::to_string(st.st_uid) +
                            ", not by " + (want == 0 ? std::string("root") : AccountLabel(o)));
}

// Why openat(parent, name) failed; O_DIRECTORY|O_NOFOLLOW reports a symlink as ENOTDIR, so the
// entry is looked at to say which.
Status OpenError(int parent, const std::string& name, const fs::path& shown) {
  const int err = errno;
  struct stat st {};
  const bool link =
      fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
  if (err == ELOOP || ((err == ENOTDIR) && link)) {
    return FailedPrecondition(shown.string() + " is a symlink; the agent follows no symlink");
  }
  if (err == ENOTDIR) return FailedPrecondition(shown.string() + " is not a directory");
  if (err == ENOENT) return NotFound(shown.string() + " does not exist");
  errno = err;
  return Internal(Errno("cannot open", shown));
}

bool BelowRoot(const fs::path& p, const fs::path& root) {
  if (root.empty()) return false;
  const fs::path rel = p.lexically_relative(root);
  return !rel.empty() && *rel.begin() != ".." && rel != ".";
}

bool EmptyDir(int fd) {
  UniqueFd copy(openat(fd, ".", kDirFlags));
  DIR* d = copy.get() < 0 ? nullptr : fdopendir(copy.release());
  if (d == nullptr) return false;
  bool empty = true;
  while (const dirent* e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) empty = false;
  }
  closedir(d);
  return empty;
}

// Makes the missing directory `name` in `parent`: created 0700 (owned by root, so nobody else
// can enter it), opened without following, checked to be the one root made, then handed over.
// A directory the account put there instead is checked by the caller like any other.
Result<UniqueFd> MakeDir(int parent, const std::string& name, const fs::path& shown,
                         const PathOwner& o) {
  const bool made = mkdirat(parent, name.c_str(), 0700) == 0;
  if (!made && errno == ENOENT) {
    return FailedPrecondition(shown.parent_path().string() +
                              " was removed while the agent used it");
  }
  if (!made && errno != EEXIST) return Status(Internal(Errno("cannot create directory", shown)));
  UniqueFd fd(openat(parent, name.c_str(), kDirFlags));
  // Gone between mkdir and open: only someone racing the agent removes it, so this is a refusal
  // like any other swap, not a missing path the caller asked about.
  if (fd.get() < 0 && errno == ENOENT) {
    return FailedPrecondition(shown.string() + " was removed while the agent created it");
  }
  if (fd.get() < 0) return OpenError(parent, name, shown);
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Status(Internal(Errno("cannot stat", shown)));
  // Only an empty root-owned 0700 directory can be the one just made; the account could have
  // swapped in another root-owned directory of its home in between, which is never handed over.
  if (!made || !S_ISDIR(st.st_mode) || st.st_uid != 0) return fd;
  if ((st.st_mode & 07777) != 0700 || st.st_nlink != 2 || !EmptyDir(fd.get())) {
    return FailedPrecondition(shown.string() + " was replaced while the agent created it");
  }
  const bool for_account = o.uid != 0 && BelowRoot(shown, o.account_root);
  if (fchmod(fd.get(), for_account ? 0700 : 0755) != 0 ||
      (for_account && fchown(fd.get(), o.uid, o.gid) != 0)) {
    return Status(Internal(Errno("cannot set owner and mode of", shown)));
  }
  if (fsync(parent) != 0) return Status(Internal(Errno("cannot fsync the parent of", shown)));
  return fd;
}

// The directory holding `path`, and the file's name in it.
struct Parent {
  UniqueFd fd;
  std::string name;
};

Result<Parent> OpenParent(const fs::path& path, const PathOwner& o, bool create) {
  ROTAGENT_RETURN_IF_ERROR(CheckPath(path, /*want_file=*/true));
  auto dir = OpenSafeDir(path.parent_path(), o, create);
  if (!dir.ok()) return dir.status();
  return Parent{std::move(*dir), path.filename().string()};
}

// The entry `name` is absent (false) or a file that may be replaced or read (true).
Result<bool> ExistingFile(int dir, const std::string& name, const fs::path& shown) {
  struct stat st {};
  if (fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return false;
    return Status(Internal(Errno("cannot stat", shown)));
  }
  ROTAGENT_RETURN_IF_ERROR(CheckFile(st, shown));
  return true;
}

Status WriteAll(int fd, std::string_view data, const fs::path& shown) {
  for (size_t off = 0; off < data.size();) {
    const ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal(Errno("cannot write", shown));
    off += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Result<UniqueFd> OpenSafeDir(const fs::path& dir, const PathOwner& o, bool create) {
  ROTAGENT_RETURN_IF_ERROR(CheckPath(dir, /*want_file=*/false));
  UniqueFd cur(open("/", kDirFlags));
  if (cur.get() < 0) return Status(Internal(Errno("cannot open", "/")));
  bool in_account = false;
  struct stat st {};
  if (fstat(cur.get(), &st) != 0) return Status(Internal(Errno("cannot stat", "/")));
  ROTAGENT_RETURN_IF_ERROR(CheckDir(st, "/", o, in_account));
  fs::path shown = "/";
  for (const auto& part : dir.relative_path()) {
    if (part.empty()) continue;  // a trailing slash
    shown /= part;
    UniqueFd next(openat(cur.get(), part.c_str(), kDirFlags));
    if (next.get() < 0 && errno == ENOENT && create) {
      auto made = MakeDir(cur.get(), part.string(), shown, o);
      if (!made.ok()) return made.status();
      next = std::move(*made);
    }
    if (next.get() < 0) return OpenError(cur.get(), part.string(), shown);
    if (fstat(next.get(), &st) != 0) return Status(Internal(Errno("cannot stat", shown)));
    ROTAGENT_RETURN_IF_ERROR(CheckDir(st, shown, o, in_account));
    cur = std::move(next);
  }
  return cur;
}

Result<std::optional<std::string>> SafeReadFile(const fs::path& path, const PathOwner& o) {
  auto parent = OpenParent(path, o, /*create=*/false);
  if (!parent.ok()) {
    if (parent.status().code() == Code::kNotFound) return std::optional<std::string>();
    return parent.status();
  }
  const int dir = parent->fd.get();
  const std::string& name = parent->name;
  // Checked before opening, so nothing but a regular file is ever opened...
  auto exists = ExistingFile(dir, name, path);
  if (!exists.ok()) return exists.status();
  if (!*exists) return std::optional<std::string>();
  UniqueFd fd(openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return OpenError(dir, name, path);
  }
  // ...and checked again through the fd, as the entry may have been swapped in between.
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Status(Internal(Errno("cannot stat", path)));
  ROTAGENT_RETURN_IF_ERROR(CheckFile(st, path));
  ROTAGENT_RETURN_IF_ERROR(CheckFileOwner(dir, st, path, o));
  if (static_cast<size_t>(st.st_size) > kMaxSafeFileSize) {
    return FailedPrecondition(path.string() + " is larger than " +
                              std::to_string(kMaxSafeFileSize >> 20) + " MiB");
  }
  // Read straight into a string sized once, so a key leaves no stray copies behind.
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      OPENSSL_cleanse(out.data(), out.size());
      return Status(Internal(Errno("cannot read", path)));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);  // shrank while read: what was there
  return std::optional<std::string>(std::move(out));
}

Status SafeWriteFile(const fs::path& path, std::string_view data, mode_t mode, uid_t uid, gid_t gid,
                     const PathOwner& o) {
  auto parent = OpenParent(path, o, /*create=*/true);
  if (!parent.ok()) return parent.status();
  const int dir = parent->fd.get();
  const std::string& name = parent->name;
  ROTAGENT_RETURN_IF_ERROR(ExistingFile(dir, name, path).status());
  const std::string tmp = AtomicTempPath("." + name).string();  // hidden from ls
  UniqueFd fd(openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0 && errno == ENOENT) {
    return FailedPrecondition(path.parent_path().string() + " was removed while the agent used it");
  }
  if (fd.get() < 0) return Internal(Errno("cannot create a temporary file beside", path));
  Status s = Status::Ok();
  if (fchown(fd.get(), uid, gid) != 0 || fchmod(fd.get(), mode) != 0) {
    s = Internal(Errno("cannot set owner and mode of a new", path));
  }
  if (s.ok()) s = WriteAll(fd.get(), data, path);
  if (s.ok() && fsync(fd.get()) != 0) s = Internal(Errno("cannot flush", path));
  if (s.ok()) s = ExistingFile(dir, name, path).status();  // a precise refusal beats EISDIR
  if (s.ok() && renameat(dir, tmp.c_str(), dir, name.c_str()) != 0) {
    if (errno == EISDIR) {
      s = FailedPrecondition(path.string() + " is a directory where a file should be");
    } else if (errno == ENOENT) {
      s = FailedPrecondition(path.string() + ": the new file was removed before it was renamed");
    } else {
      s = Internal(Errno("cannot rename into", path));
    }
  }
  if (!s.ok()) {
    unlinkat(dir, tmp.c_str(), 0);
    return s;
  }
  if (fsync(dir) != 0) return Internal(Errno("cannot fsync the directory of", path));
  // The name must now be the file written: the directory's owner may have moved things.
  struct stat mine {
  }, there{};
  if (fstat(fd.get(), &mine) != 0 || fstatat(dir, name.c_str(), &there, AT_SYMLINK_NOFOLLOW) != 0 ||
      mine.st_dev != there.st_dev || mine.st_ino != there.st_ino || there.st_nlink != 1) {
    return FailedPrecondition(path.string() + " was replaced or linked while the agent wrote it");
  }
  return Status::Ok();
}

Status SafeRemoveFile(const fs::path& path, const PathOwner& o) {
  auto parent = OpenParent(path, o, /*create=*/false);
  if (!parent.ok()) {
    return parent.status().code() == Code::kNotFound ? Status::Ok() : parent.status();
  }
  const int dir = parent->fd.get();
  auto exists = ExistingFile(dir, parent->name, path);
  if (!exists.ok()) return exists.status();
  if (!*exists) return Status::Ok();
  if (unlinkat(dir, parent->name.c_str(), 0) != 0) {
    if (errno == ENOENT) return Status::Ok();
    if (errno == EISDIR) {
      return FailedPrecondition(path.string() + " is a directory where a file should be");
    }
    return Internal(Errno("cannot remove", path));
  }
  if (fsync(dir) != 0) return Internal(Errno("cannot fsync the directory of", path));
  return Status::Ok();
}

}  // namespace rotagent
