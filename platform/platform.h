// The one interface between the daemon core and a device kind. Everything device-specific lives
// behind it; nothing here knows about gRPC or protobuf.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace rotagent::platform {

// A version of a certz profile, as files in a store slot.
struct CertInstall {
  std::string profile;
  std::string role;                // "server" or "client"
  std::string version;             // certificate chain version, for hooks and logs
  std::filesystem::path slot_dir;  // chain.pem, key.pem (0600), trust.pem, crl.pem
};

// Where a profile's material goes on the box, and what to run around each step.
struct CertTarget {
  std::string cert_path, key_path, trust_bundle_path, crl_path;     // empty: not installed
  std::vector<std::string> stage_hook, commit_hook, rollback_hook;  // argv; empty: none
};

// What the box holds for one account. nullopt: the box has none (no file, no hash).
struct AccountState {
  std::optional<std::string> password_hash;  // crypt(3) string; never plaintext
  std::optional<std::string> authorized_keys;
  std::optional<std::string> authorized_principals;
  bool operator==(const AccountState&) const = default;
};

struct HostKey {
  std::string private_key;  // OpenSSH or PEM private key; secret
  std::string public_key;   // OpenSSH public key line
  std::string certificate;  // OpenSSH host certificate line; may be empty
};

// The SSH server parameters the agent manages. Unset parts are left to the box's own config.
struct SshHostState {
  std::optional<std::string> trusted_user_ca_keys;       // OpenSSH public key lines
  std::vector<HostKey> host_keys;                        // empty: the box's own host keys
  std::optional<std::vector<std::string>> auth_methods;  // "password", "publickey", ...
  std::optional<std::string> principal_check;            // "hiba"; nullopt: none
};

// Where account and SSH server material goes on a Linux-like box.
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
  int probe_timeout_seconds = 10;
};

// Arista EOS: eAPI on its unix socket (or HTTPS), changes in configuration sessions under a
// commit timer, so EOS itself rolls back a change the agent never finalized.
struct EosConfig {
  std::string socket = "/var/run/command-api.sock";
  // HTTPS instead of the socket when https_address is set; the password is read from a file.
  std::string https_address, https_ca_file, https_user, https_password_file;
  int timeout_seconds = 30;
  int commit_timer_seconds = 660;   // longer than any confirm timeout
  std::string login_proof = "ssh";  // ssh: a real login at ssh.address; readback: config only
};

// Opengear: ogcli with every value on stdin, the config database snapshotted before a change.
struct OpengearConfig {
  std::string ogcli = "/usr/bin/ogcli";
  std::filesystem::path config_db = "/etc/config/ngcs.db";
  std::string https_profile = "gnsi";  // the certz profile whose certificate serves HTTPS
  std::string login_proof = "ssh";
};

struct PlatformConfig {
  std::string kind = "linux";
  int hook_timeout_seconds = 30;
  std::map<std::string, CertTarget> cert_targets;  // by profile id
  SshConfig ssh;
  EosConfig eos;
  OpengearConfig opengear;
  std::filesystem::path
      work_dir;  // the agent's scratch space for the adapter (<state_dir>/platform)
};

class Platform {
 public:
  virtual ~Platform() = default;
  virtual std::string Name() const = 0;

  // Makes the candidate what new users of the profile see.
  virtual Status StageCert(const CertInstall& candidate) = 0;
  virtual Status CommitCert(const CertInstall& committed) = 0;
  // Puts `previous` back; nullopt means the profile held nothing before.
  virtual Status RollbackCert(const std::string& profile,
                              const std::optional<CertInstall>& previous) = 0;

  // Why the box's copy of a committed profile differs from it ("" when it does not). The reason
  // names files and versions, never content.
  virtual Result<std::string> CertDrift(const CertInstall& committed) const = 0;

  // NOT_FOUND unless the local account exists.
  virtual Status CheckAccount(const std::string& account) const = 0;
  virtual Result<AccountState> ReadAccount(const std::string& account) const = 0;
  // Makes `state` what new logins of the account see.
  virtual Status StageAccount(const std::string& account, const AccountState& state) = 0;
  virtual Status CommitAccount(const std::string& account, const AccountState& state) = 0;
  virtual Status RestoreAccount(const std::string& account, const AccountState& state) = 0;
  // Proves a password by a real login (UNIMPLEMENTED when the box's login service does not take
  // passwords); the plaintext is neither kept nor logged.
  virtual Status VerifyPassword(const std::string& account, const std::string& plaintext) = 0;

  // Makes `state` what new SSH connections see; nullopt restores the box's own configuration.
  virtual Status StageSshHost(const SshHostState& state) = 0;
  virtual Status CommitSshHost(const SshHostState& state) = 0;
  virtual Status RestoreSshHost(const std::optional<SshHostState>& state) = 0;
  // The SSH server's host public keys (OpenSSH lines) when the agent manages none.
  virtual Result<std::vector<std::string>> NativeHostPublicKeys() const = 0;

  // The crypt(3) prefix the box's password store takes ("$6$"); empty: the best available.
  virtual std::string PasswordHashPrefix() const { return ""; }

  // Facts reported in state (kind, model, OS version).
  virtual std::map<std::string, std::string> Describe() const = 0;
};

// The platform named by config.kind; InvalidArgument for an unknown kind.
Result<std::unique_ptr<Platform>> Create(const PlatformConfig& config);

}  // namespace rotagent::platform
