#include "platform/linux/account_files.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "common/atomic_file.h"

namespace rotagent::platform {
namespace fs = std::filesystem;

Result<LocalUser> LookupUser(const std::string& name) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return NotFound("account '" + name + "' does not exist on this device");
  }
  return LocalUser{name, pw.pw_uid, pw.pw_gid, pw.pw_dir};
}

fs::path ExpandUserPath(const std::string& tmpl, const LocalUser& user) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '%' || i + 1 == tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    char c = tmpl[++i];
    if (c == 'u') {
      out += user.name;
    } else if (c == 'h') {
      out += user.home.string();
    } else {
      out += c;
    }
  }
  return out;
}

Status WriteUserFile(const fs::path& path, const std::optional<std::string>& content,
                     const LocalUser& user) {
  const bool in_home = !user.home.empty() && user.home != "/" &&
                       path.lexically_relative(user.home).string().rfind("..", 0) != 0 &&
                       !path.lexically_relative(user.home).empty();
  const fs::path dir = path.parent_path();
  if (!content) {
    std::error_code ec;
    fs::remove(path, ec);
    if (ec) return Internal("cannot remove " + path.string() + ": " + ec.message());
    return Status::Ok();
  }
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    ROTAGENT_RETURN_IF_ERROR(MakeDirs(dir, in_home ? 0700 : 0755));
    if (in_home && chown(dir.c_str(), user.uid, user.gid) != 0) {
      return Internal("cannot give " + dir.string() + " to account '" + user.name + "'");
    }
  }
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return FailedPrecondition(dir.string() + " is not a directory (a symlink is refused)");
  }
  if (st.st_uid != 0 && st.st_uid != user.uid) {
    return FailedPrecondition(dir.string() + " belongs to neither root nor account '" + user.name +
                              "'");
  }
  if (in_home) return WriteFileAtomic(path, *content, 0600, user.uid, user.gid);
  return WriteFileAtomic(path, *content, 0644, 0, 0);
}

Result<std::optional<std::string>> ReadOptionalFile(const fs::path& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    // A user could point their authorized_keys at /etc/shadow; never read through it.
    return FailedPrecondition(path.string() + " is not a regular file (a symlink is refused)");
  }
  auto r = ReadFile(path);
  if (r.ok()) return std::optional<std::string>(std::move(*r));
  if (r.status().code() == Code::kNotFound) return std::optional<std::string>();
  return r.status();
}

}  // namespace rotagent::platform
