// /etc/shadow: only the named user's hash (and its last-change day) is touched; every other
// line, and that line's aging fields, are kept byte for byte. Written under the shadow lock,
// through a temporary file renamed into place.
#pragma once

#include <filesystem>
#include <string>

#include "common/status.h"

namespace rotagent::platform {

// The hash field of `user`'s line. NOT_FOUND when there is no such line.
Result<std::string> ShadowHash(const std::string& content, const std::string& user);
// `content` with `user`'s hash replaced and its last-change day set to `today` (days since the
// epoch, as passwd does), unless that day is 0 ("change at next login") or empty.
Result<std::string> ReplaceShadowHash(const std::string& content, const std::string& user,
                                      const std::string& hash, long today);

// Reads and rewrites `path` under lckpwdf(3); the new file keeps the old owner and mode.
Status WriteShadowHash(const std::filesystem::path& path, const std::string& user,
                       const std::string& hash);

// Removes the temporaries a crash left beside `path` (only the agent's own, by name), under
// lckpwdf(3) so no write is in flight. Returns how many were removed.
Result<int> RemoveStaleShadowTemps(const std::filesystem::path& path);

}  // namespace rotagent::platform
