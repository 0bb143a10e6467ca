// SSH host keys: checking the private keys and host certificates a controller sends, and
// generating keys on the device (libssh).
#pragma once

#include <string>

#include "agent/credentialz/ssh_key.h"
#include "common/status.h"
#include "platform/platform.h"

namespace rotagent::credentialz {

// Parses an OpenSSH (or PEM) private key and an optional OpenSSH host certificate line, checks
// that the certificate certifies that key, and returns the files sshd needs. `what` names the
// artifact in errors, e.g. "auth_artifacts[1]".
Result<platform::HostKey> ImportHostKey(const std::string& private_key,
                                        const std::string& certificate, const std::string& what);
Result<platform::HostKey> GenerateHostKey(KeyKind kind);

}  // namespace rotagent::credentialz
