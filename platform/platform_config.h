// The `platform:` section of the agent's config: what every platform shares (kind, hooks, the
// local sshd) and each kind's own sub-section, parsed by the kind that registered it.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "platform/cert_sink.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace rotagent {
class Reader;
}  // namespace rotagent

namespace rotagent::platform {

// Where account and SSH server material goes on a Linux-like box, and the local sshd that
// proves logins and host keys.
struct SshConfig {
  std::string address = "127.0.0.1:22";  // local sshd used to prove logins and host keys
  std::string authorized_keys_file = "%h/.ssh/authorized_keys";  // %h home, %u user
  std::string authorized_principals_file = "/etc/ssh/rotagent/authorized_principals/%u";
  std::filesystem::path managed_dir = "/etc/ssh/rotagent";
  std::filesystem::path config_fragment = "/etc/ssh/sshd_config.d/50-rotagent.conf";
  std::vector<std::string> check_command = {"/usr/sbin/sshd", "-t"};
  std::filesystem::path pid_file = "/run/sshd.pid";
  std::vector<std::filesystem::path> host_public_keys = {"/etc/ssh/ssh_host_ed25519_key.pub",
                                                         "/etc/ssh/ssh_host_ecdsa_key.pub",
                                                         "/etc/ssh/ssh_host_rsa_key.pub"};
  std::string hiba_check_command;  // AuthorizedPrincipalsCommand for TOOL_HIBA_DEFAULT
  std::filesystem::path auth_log;  // a file only sshd writes, counted for auth results; "": none
  int probe_timeout_seconds = 10;
};

// A kind's own settings (platform.<kind>), parsed by the kind; see registry.h.
struct KindOptions {
  virtual ~KindOptions() = default;
};

struct PlatformConfig {
  std::string kind = "linux";
  int hook_timeout_seconds = 30;
  std::map<std::string, CertTarget> cert_targets;  // by profile id
  SshConfig ssh;
  // platform.<kind> of every registered kind that has a section, by kind name.
  std::map<std::string, std::shared_ptr<const KindOptions>> options;
  std::filesystem::path
      work_dir;  // the agent's scratch space for the adapter (<state_dir>/platform)

  // The settings of `kind`, as the type its parser made them.
  template <typename T>
  const T& OptionsOf(const std::string& kind_name) const {
    return dynamic_cast<const T&>(*options.at(kind_name));
  }
};

// What a kind's parser may check its section against.
struct ParseContext {
  bool selected = false;            // the section is of platform.kind
  int longest_confirm_seconds = 0;  // the longest certz/credentialz confirm_timeout
};

// Parses `section` (the `platform:` node) into `out`, keeping out.cert_targets; fails through
// `r` naming the key. The kinds are those registered (registry.h).
void ParsePlatformSection(const Reader& r, const YAML::Node& section, const ParseContext& context,
                          PlatformConfig& out);

// platform.<kind>.login_proof: "ssh" (a real login) or "readback" (the stored hash only).
std::string ParseLoginProof(const Reader& r, const YAML::Node& section, const std::string& key);

}  // namespace rotagent::platform
