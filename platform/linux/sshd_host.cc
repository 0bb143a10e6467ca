#include "platform/linux/sshd_host.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "common/atomic_file.h"
#include "common/failpoint.h"
#include "platform/linux/account_files.h"
#include "platform/linux/hook_runner.h"
#include "platform/ssh_probe.h"

namespace rotagent::platform {
namespace fs = std::filesystem;

namespace {

fs::path HostKeyPath(const SshConfig& c, size_t i) {
  return c.managed_dir / ("ssh_host_key_" + std::to_string(i));
}
fs::path CaKeysPath(const SshConfig& c) { return c.managed_dir / "trusted_user_ca_keys"; }

const char* YesNo(bool b) { return b ? "yes" : "no"; }

bool Allows(const std::vector<std::string>& methods, const std::string& m) {
  return std::find(methods.begin(), methods.end(), m) != methods.end();
}

Status WriteManagedFiles(const SshHostState& s, const SshConfig& c) {
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(c.managed_dir, 0755));
  for (size_t i = 0; i < s.host_keys.size(); ++i) {
    const fs::path p = HostKeyPath(c, i);
    ROTAGENT_RETURN_IF_ERROR(WriteFileAtomic(p, s.host_keys[i].private_key.reveal(), 0600, 0, 0));
    ROTAGENT_RETURN_IF_ERROR(
        WriteFileAtomic(p.string() + ".pub", s.host_keys[i].public_key + "\n", 0644, 0, 0));
    if (!s.host_keys[i].certificate.empty()) {
      ROTAGENT_RETURN_IF_ERROR(
          WriteFileAtomic(p.string() + "-cert.pub", s.host_keys[i].certificate + "\n", 0644, 0, 0));
    }
  }
  if (s.trusted_user_ca_keys) {
    ROTAGENT_RETURN_IF_ERROR(WriteFileAtomic(CaKeysPath(c), *s.trusted_user_ca_keys, 0644, 0, 0));
  }
  return Status::Ok();
}

// Removes managed files the state no longer names (older, more numerous host keys).
void RemoveStaleFiles(const SshHostState* s, const SshConfig& c) {
  std::error_code ec;
  const size_t keep = s ? s->host_keys.size() : 0;
  for (size_t i = keep;; ++i) {
    const fs::path p = HostKeyPath(c, i);
    if (!fs::exists(p, ec)) break;
    for (const std::string suffix : {"", ".pub", "-cert.pub"}) fs::remove(p.string() + suffix, ec);
  }
  for (size_t i = 0; i < keep; ++i) {
    if (s->host_keys[i].certificate.empty())
      fs::remove(HostKeyPath(c, i).string() + "-cert.pub", ec);
  }
  if (!s || !s->trusted_user_ca_keys) fs::remove(CaKeysPath(c), ec);
}

Result<pid_t> SshdPid(const SshConfig& c) {
  // Through root's directories only: a pid someone else could write would be signalled as root.
  auto text = ReadOptionalFile(c.pid_file);
  if (!text.ok()) return text.status();
  if (!*text) return Unavailable("sshd is not running: cannot read " + c.pid_file.string());
  try {
    return static_cast<pid_t>(std::stol(**text));
  } catch (const std::exception&) {
    return Unavailable(c.pid_file.string() + " holds no pid");
  }
}

std::optional<fs::file_time_type> PidFileTime(const SshConfig& c) {
  std::error_code ec;
  auto t = fs::last_write_time(c.pid_file, ec);
  return ec ? std::nullopt : std::optional(t);
}

// SIGHUP makes sshd re-execute itself. The new process rewrites its pid file once it listens
// again with its handlers in place, so waiting for that proves the reload happened (a probe
// alone could still reach the old process) and keeps a second SIGHUP from landing mid-exec.
Status ReloadSshd(const SshConfig& c, pid_t pid) {
  const auto before = PidFileTime(c);
  if (kill(pid, SIGHUP) != 0) {
    return Unavailable("cannot signal sshd (pid " + std::to_string(pid) + ")");
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(c.probe_timeout_seconds);
  for (auto delay = std::chrono::milliseconds(5); PidFileTime(c) == before;
       delay = std::min(delay * 2, std::chrono::milliseconds(200))) {
    if (std::chrono::steady_clock::now() > deadline) {
      return Unavailable("sshd did not restart within " + std::to_string(c.probe_timeout_seconds) +
                         " s of SIGHUP (its pid file " + c.pid_file.string() + " is unchanged)");
    }
    std::this_thread::sleep_for(delay);  // sshd offers no event to wait on
  }
  return Status::Ok();
}

}  // namespace

std::string RenderSshdFragment(const SshHostState& s, const SshConfig& c) {
  std::string out = "# Written by rotagentd (gNSI credentialz); do not edit.\n";
  for (size_t i = 0; i < s.host_keys.size(); ++i) {
    out += "HostKey " + HostKeyPath(c, i).string() + "\n";
    if (!s.host_keys[i].certificate.empty()) {
      out += "HostCertificate " + HostKeyPath(c, i).string() + "-cert.pub\n";
    }
  }
  if (s.trusted_user_ca_keys) out += "TrustedUserCAKeys " + CaKeysPath(c).string() + "\n";
  if (s.auth_methods) {
    out +=
        std::string("PasswordAuthentication ") + YesNo(Allows(*s.auth_methods, "password")) + "\n";
    out +=
        std::string("PubkeyAuthentication ") + YesNo(Allows(*s.auth_methods, "publickey")) + "\n";
    out += std::string("KbdInteractiveAuthentication ") +
           YesNo(Allows(*s.auth_methods, "keyboard-interactive")) + "\n";
  }
  if (s.principal_check) {
    out += "AuthorizedPrincipalsCommand " + c.hiba_check_command + "\n";
    out += "AuthorizedPrincipalsCommandUser nobody\n";
  }
  return out;
}

Status ApplySshHost(const SshHostState* state, const SshConfig& c, int hook_timeout_seconds,
                    bool require_sshd) {
  if (state && state->principal_check && c.hiba_check_command.empty()) {
    return FailedPrecondition(
        "TOOL_HIBA_DEFAULT needs platform.ssh.hiba_check_command in the agent's config");
  }
  if (state) {
    ROTAGENT_RETURN_IF_ERROR(WriteManagedFiles(*state, c));
    ROTAGENT_RETURN_IF_ERROR(MakeDirs(c.config_fragment.parent_path(), 0755));
    ROTAGENT_RETURN_IF_ERROR(
        WriteFileAtomic(c.config_fragment, RenderSshdFragment(*state, c), 0644, 0, 0));
  } else {
    std::error_code ec;
    fs::remove(c.config_fragment, ec);
  }
  RemoveStaleFiles(state, c);
  Failpoint("linux.sshd_files_written");
  if (!c.check_command.empty()) {
    ROTAGENT_RETURN_IF_ERROR(
        RunHook(c.check_command, {}, hook_timeout_seconds).WithContext("sshd config check"));
  }
  auto pid = SshdPid(c);
  if (!pid.ok()) return require_sshd ? pid.status() : Status::Ok();
  ROTAGENT_RETURN_IF_ERROR(ReloadSshd(c, *pid));
  auto ep = ParseSshEndpoint(c.address, c.probe_timeout_seconds);
  if (!ep.ok()) return ep.status();
  std::vector<std::string> expected;
  if (state && !state->host_keys.empty()) {
    for (const auto& k : state->host_keys) expected.push_back(k.public_key);
  } else {
    auto native = ReadHostPublicKeys(c);
    if (native.ok() && !native->empty()) expected.push_back(native->front());
  }
  return WaitForHostKeys(*ep, expected);
}

Result<std::vector<std::string>> ReadHostPublicKeys(const SshConfig& c) {
  std::vector<std::string> out;
  for (const auto& p : c.host_public_keys) {
    auto text = ReadOptionalFile(p);
    if (!text.ok()) return text.status();
    if (!*text) continue;
    std::string line = **text;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    out.push_back(line);
  }
  return out;
}

Result<std::vector<std::string>> PinnedHostKeys(const SshConfig& c) {
  std::vector<fs::path> files(c.host_public_keys.begin(), c.host_public_keys.end());
  for (size_t i = 0; fs::exists(HostKeyPath(c, i).string() + ".pub"); ++i) {
    files.emplace_back(HostKeyPath(c, i).string() + ".pub");
  }
  return ReadHostKeyFiles(files);
}

}  // namespace rotagent::platform
