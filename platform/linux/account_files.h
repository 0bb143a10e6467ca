// Per-user SSH files (authorized_keys, authorized_principals) at paths from templates, with the
// ownership and modes sshd's StrictModes demands.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

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

// Writes `content` (nullopt removes the file). A file under the user's home is owned by the user
// (directory 0700, file 0600); anywhere else by root (0755 directories, 0644 file). A symlinked
// parent directory is refused, so a user cannot redirect the agent's write.
Status WriteUserFile(const std::filesystem::path& path, const std::optional<std::string>& content,
                     const LocalUser& user);
// The file's content, nullopt if absent; anything but a regular file (a symlink) is refused.
Result<std::optional<std::string>> ReadOptionalFile(const std::filesystem::path& path);

}  // namespace rotagent::platform
