// File operations that a local user cannot redirect. A path is walked from "/" one component at
// a time through directory fds (openat with O_NOFOLLOW), each directory is checked through its fd,
// and every later step (mkdirat, openat, fchown, fchmod, renameat, unlinkat) is relative to the
// directory held open, so renaming or swapping a component after it was checked changes nothing.
//
// Refused, with FAILED_PRECONDITION naming the component and why, nothing changed:
// - a symlink in any component, the file included;
// - a directory owned by anyone but root or the account; a root-owned directory writable by group
//   or others unless it is sticky (/tmp); an account's directory writable by group or others;
//   a root-owned directory below one of the account's (once inside the account's part of the
//   tree, every directory must be the account's);
// - where a file should be: a directory, a FIFO, socket or device, or a file with more than one
//   hard link; a file larger than kMaxSafeFileSize.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/unique_fd.h"

namespace rotagent {

inline constexpr size_t kMaxSafeFileSize = 16 << 20;

// Who may own the directories on a path besides root, and who gets the directories the agent
// creates. The default is root only.
struct PathOwner {
  uid_t uid = 0;     // the account; 0: root only
  gid_t gid = 0;     // the account's group, for directories created for it
  std::string name;  // the account's name, for messages
  // Missing directories strictly below this one are created for the account, 0700; any other
  // missing directory for root, 0755. Empty: all for root.
  std::filesystem::path account_root;
};

// Opens directory `dir` (absolute; no "." or ".." component). With `create`, missing directories
// are made (mkdirat 0700, then checked through their fd and only then given their owner and mode).
// NOT_FOUND when a component is missing and `create` is false.
Result<UniqueFd> OpenSafeDir(const std::filesystem::path& dir, const PathOwner& owner, bool create);

// The content of `path`; nullopt if it, or a directory on its way, does not exist.
Result<std::optional<std::string>> SafeReadFile(const std::filesystem::path& path,
                                                const PathOwner& owner = {});

// Replaces `path` with `data`: a new file beside it (O_EXCL, O_NOFOLLOW) gets `uid`/`gid` and
// `mode` through its fd before any byte is written, is fsynced and renamed over `path` in the
// held directory, which is then fsynced. Missing directories are created.
Status SafeWriteFile(const std::filesystem::path& path, std::string_view data, mode_t mode,
                     uid_t uid, gid_t gid, const PathOwner& owner = {});

// Removes `path` (unlinkat in the held directory); absent already is fine.
Status SafeRemoveFile(const std::filesystem::path& path, const PathOwner& owner = {});

}  // namespace rotagent
