#include "platform/linux/account_files.h"

#include <pwd.h>

#include <vector>

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

namespace {

bool InHome(const fs::path& path, const LocalUser& user) {
  if (user.home.empty() || user.home == "/") return false;
  const fs::path rel = path.lexically_relative(user.home);
  return !rel.empty() && rel.string().rfind("..", 0) != 0;
}

}  // namespace

PathOwner OwnerOf(const LocalUser& user) {
  return {user.uid, user.gid, user.name, user.home == "/" ? fs::path() : user.home};
}

Status WriteUserFile(const fs::path& path, const std::optional<std::string>& content,
                     const LocalUser& user) {
  const PathOwner owner = OwnerOf(user);
  if (!content) return SafeRemoveFile(path, owner);
  if (InHome(path, user)) return SafeWriteFile(path, *content, 0600, user.uid, user.gid, owner);
  return SafeWriteFile(path, *content, 0644, 0, 0, owner);
}

Result<std::optional<std::string>> ReadOptionalFile(const fs::path& path, const PathOwner& owner) {
  return SafeReadFile(path, owner);
}

}  // namespace rotagent::platform
