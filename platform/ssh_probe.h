// Proves SSH credentials against the box's own sshd with a real client (libssh): a password
// login, or which host key a new connection is shown. Shared by every platform.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

namespace rotagent::platform {

struct SshEndpoint {
  std::string host;
  int port = 22;
  int timeout_seconds = 10;
};

// "host:port" or "[v6]:port".
Result<SshEndpoint> ParseSshEndpoint(const std::string& address, int timeout_seconds);

// OK only if sshd accepts `password` for `user`; UNIMPLEMENTED when sshd offers no password
// authentication at all. The password is not logged or kept. It is sent only to a server that
// shows one of `pinned_host_keys` (OpenSSH "type base64 [comment]" lines: the box's own sshd's
// keys, read from its files); another key, or no pinned key at all, is FAILED_PRECONDITION
// before any password leaves the agent (a local user could be listening on the port).
Status TryPasswordLogin(const SshEndpoint& ep, const std::string& user, const std::string& password,
                        const std::vector<std::string>& pinned_host_keys);

// The same login trusting whatever host key the server shows: only for a controller-side lab
// check (rotctl validate) that holds no trusted copy of the device's keys; the agent never uses it.
Status TryPasswordLoginAnyHostKey(const SshEndpoint& ep, const std::string& user,
                                  const std::string& password);

// The same login trusting whatever host key the server shows: only for a controller-side lab
// check (rotctl validate) that holds no trusted copy of the device's keys; the agent never uses it.
Status TryPasswordLoginAnyHostKey(const SshEndpoint& ep, const std::string& user,
                                  const std::string& password);

// The "type base64 [comment]" line of each of `files` that exists (absent files are skipped).
Result<std::vector<std::string>> ReadHostKeyFiles(const std::vector<std::filesystem::path>& files);

// The host key (OpenSSH "type base64" line) a new connection negotiating `algorithms`
// (comma-separated, e.g. "ssh-ed25519") is shown.
Result<std::string> ServedHostKey(const SshEndpoint& ep, const std::string& algorithms);

// Retries until every key in `expected` is what new connections of its algorithm see, or the
// endpoint's timeout passes (sshd re-executes itself on reload and refuses connections briefly).
Status WaitForHostKeys(const SshEndpoint& ep, const std::vector<std::string>& expected);

}  // namespace rotagent::platform
