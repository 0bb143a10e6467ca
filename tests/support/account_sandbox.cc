#include "tests/support/account_sandbox.h"

#include <sched.h>
#include <sys/mount.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "tests/support/run_command.h"

namespace rotagent::testing {
namespace fs = std::filesystem;

void EnterAccountSandbox(const fs::path& scratch) {
  if (unshare(CLONE_NEWNS) != 0) throw std::runtime_error("unshare(CLONE_NEWNS) needs root");
  // Nothing mounted here may propagate back to the host.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    throw std::runtime_error("cannot make / private");
  }
  const fs::path etc = scratch / "etc";
  fs::remove_all(etc);
  fs::create_directories(etc);
  // A copy of the whole of /etc, not only passwd and shadow: the agent replaces shadow by
  // rename, which a bind mount of the single file would refuse (EBUSY).
  if (RunCommand({"cp", "-a", "/etc/.", etc.string()}) != 0) {
    throw std::runtime_error("cannot copy /etc");
  }
  if (mount(etc.c_str(), "/etc", nullptr, MS_BIND, nullptr) != 0) {
    throw std::runtime_error("cannot bind-mount the /etc copy");
  }
  // pam_unix waits 2 s after a failed password; the tests check many failures.
  const fs::path common_auth = "/etc/pam.d/common-auth";
  std::stringstream ss;
  ss << std::ifstream(common_auth).rdbuf();
  std::ofstream(common_auth) << std::regex_replace(ss.str(), std::regex("pam_unix\\.so"),
                                                   "pam_unix.so nodelay");
  fs::create_directories("/run/sshd");  // sshd's privilege separation directory
  fs::permissions("/run/sshd", fs::perms::owner_all | fs::perms::group_read |
                                   fs::perms::group_exec | fs::perms::others_read |
                                   fs::perms::others_exec);
}

void AddAccount(const std::string& name, const std::string& password, const fs::path& homes) {
  fs::create_directories(homes);
  const std::string home = (homes / name).string();
  if (RunCommand({"useradd", "-m", "-d", home, "-s", "/bin/sh", name}) != 0) {
    throw std::runtime_error("useradd " + name + " failed");
  }
  if (RunCommand({"chpasswd"}, name + ":" + password + "\n") != 0) {
    throw std::runtime_error("chpasswd for " + name + " failed");
  }
}

}  // namespace rotagent::testing
