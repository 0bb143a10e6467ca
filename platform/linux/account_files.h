// Per-user SSH files (authorized_keys, authorized_principals) at paths from templates, with the
// ownership and modes sshd's StrictModes demands. Every read and write goes through
// common/safe_path, so the account cannot redirect it (docs/security-local-files.md).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "common/safe_path.h"
#include "common/status.h"

namespace rotagent::platform {

struct LocalUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::filesystem::path home;
};

// The local account from the passwd database; NOT_FOUND if there is none.
Result<LocalUser> LookupUser(const std::string& name);

// Expands %u (user), %h (home) and %% in a path template.
std::filesystem::path ExpandUserPath(const std::string& tmpl, const LocalUser& user);

// Who may own the directories on the way to one of `user`'s files: root or the account, and
// directories the agent makes below the home are the account's.
PathOwner OwnerOf(const LocalUser& user);

// Writes `content` (nullopt removes the file). A file under the user's home is owned by the user
// (directories made for it 0700, file 0600); anywhere else by root (0755 directories, 0644 file).
// A symlink, hard link, FIFO or directory on the way, or a directory owned by another user, is
// refused with FAILED_PRECONDITION and nothing changes.
Status WriteUserFile(const std::filesystem::path& path, const std::optional<std::string>& content,
                     const LocalUser& user);
// The file's content, nullopt if absent; reached and checked as WriteUserFile does (`owner`
// defaults to root only).
Result<std::optional<std::string>> ReadOptionalFile(const std::filesystem::path& path,
                                                    const PathOwner& owner = {});

}  // namespace rotagent::platform
