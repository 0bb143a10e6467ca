// The one password login of every platform: each says where (its probe), this does it.
#include "platform/account_sink.h"

namespace rotagent::platform {

Status VerifyPassword(const AccountSink& sink, const std::string& account,
                      const std::string& plaintext) {
  auto probe = sink.PasswordProbe();
  if (!probe.ok()) return probe.status();
  return TryPasswordLogin(probe->endpoint, account, plaintext, probe->pinned_host_keys);
}

Result<LoginProbe> ProbeAt(const SshConfig& ssh, std::vector<std::string> pinned_host_keys) {
  auto ep = ParseSshEndpoint(ssh.address, ssh.probe_timeout_seconds);
  if (!ep.ok()) return ep.status();
  return LoginProbe{std::move(*ep), std::move(pinned_host_keys)};
}

}  // namespace rotagent::platform
