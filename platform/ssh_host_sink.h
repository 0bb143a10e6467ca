// The optional capability of managing the box's SSH server: trusted user CAs, host keys and
// certificates, authentication methods. A platform without it answers credentialz host requests
// with UNIMPLEMENTED.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/secret.h"
#include "common/status.h"

namespace rotagent::platform {

struct HostKey {
  Secret private_key;       // OpenSSH or PEM private key
  std::string public_key;   // OpenSSH public key line
  std::string certificate;  // OpenSSH host certificate line; may be empty
};

// The SSH server parameters the agent manages. Unset parts are left to the box's own config.
// Move-only, as its host keys are.
struct SshHostState {
  std::optional<std::string> trusted_user_ca_keys;       // OpenSSH public key lines
  std::vector<HostKey> host_keys;                        // empty: the box's own host keys
  std::optional<std::vector<std::string>> auth_methods;  // "password", "publickey", ...
  std::optional<std::string> principal_check;            // "hiba"; nullopt: none
};

// The SSH server's authentication results since the agent started.
struct SshAuthCounters {
  uint64_t accepts = 0, rejects = 0;
  uint64_t last_accept_ns = 0, last_reject_ns = 0;  // since the epoch; 0: none yet
};

class SshHostSink {
 public:
  virtual ~SshHostSink() = default;

  // Makes `state` what new SSH connections see; nullopt restores the box's own configuration.
  virtual Status StageSshHost(const SshHostState& state) = 0;
  virtual Status CommitSshHost(const SshHostState& state) = 0;
  virtual Status RestoreSshHost(const std::optional<SshHostState>& state) = 0;
  // The SSH server's host public keys (OpenSSH lines) when the agent manages none.
  virtual Result<std::vector<std::string>> NativeHostPublicKeys() const = 0;
  // sshd's authentication results; nullopt when the platform does not count them.
  virtual std::optional<SshAuthCounters> AuthResults() { return std::nullopt; }
};

}  // namespace rotagent::platform
