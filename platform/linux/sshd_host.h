// The SSH server parameters the agent manages on Linux: files under the managed directory and
// one sshd_config fragment naming them. Applying checks the whole config with `sshd -t`,
// reloads sshd (SIGHUP) and returns once new connections are shown the expected host keys.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "platform/platform.h"

namespace rotagent::platform {

// The fragment's text for `state`; the host key files are named by position.
std::string RenderSshdFragment(const SshHostState& state, const SshConfig& config);

// Writes (or, for nullptr, removes) the managed files and fragment, then checks and reloads.
// With `require_sshd` false (restoring at start or on rollback), an sshd that is not running is
// fine: it reads the files when it starts.
Status ApplySshHost(const SshHostState* state, const SshConfig& config, int hook_timeout_seconds,
                    bool require_sshd);

// The box's own host public keys, read from config.host_public_keys.
Result<std::vector<std::string>> ReadHostPublicKeys(const SshConfig& config);

// Every host public key the local sshd may show: config.host_public_keys and the host keys the
// agent installed. The password proof sends a password only to a server showing one of them.
Result<std::vector<std::string>> PinnedHostKeys(const SshConfig& config);

}  // namespace rotagent::platform
