// Linux: a profile's material is copied to configured paths for other on-box services, with
// operator hooks around each step (for example to reload nginx); passwords go to /etc/shadow,
// SSH keys and principals to per-user files, host parameters to an sshd_config fragment.
#pragma once

#include <memory>

#include "platform/linux/sshd_auth_log.h"
#include "platform/platform.h"

namespace rotagent::platform {

class LinuxPlatform final : public Platform,
                            public CertSink,
                            public AccountSink,
                            public SshHostSink {
 public:
  explicit LinuxPlatform(PlatformConfig config);
  // Removes the temporaries a crash left of the agent's own writes to the box (/etc/shadow's).
  // Logs and carries on when it cannot: a leftover is stale data, not a reason not to start.
  void RemoveCrashLeftovers() const;

  std::string Name() const override { return "linux"; }
  CertSink& Certs() override { return *this; }
  AccountSink* Accounts() override { return this; }
  SshHostSink* SshHost() override { return this; }
  Facts Describe() const override;

  Status StageCert(const CertInstall& candidate) override;
  Status CommitCert(const CertInstall& committed) override;
  Status RollbackCert(const std::string& profile,
                      const std::optional<CertInstall>& previous) override;

  Result<std::string> CertDrift(const CertInstall& committed) const override;
  Status CheckAccount(const std::string& account) const override;
  Result<AccountState> ReadAccount(const std::string& account) const override;
  Status StageAccount(const std::string& account, const AccountState& state) override;
  Status CommitAccount(const std::string& account, const AccountState& state) override;
  Status RestoreAccount(const std::string& account, const AccountState& state) override;
  Result<LoginProbe> PasswordProbe() const override;

  Status StageSshHost(const SshHostState& state) override;
  Status CommitSshHost(const SshHostState& state) override;
  Status RestoreSshHost(const std::optional<SshHostState>& state) override;
  Result<std::vector<std::string>> NativeHostPublicKeys() const override;
  std::optional<SshAuthCounters> AuthResults() override;

 private:
  Status WriteAccount(const std::string& account, const AccountState& state);

  const CertTarget* TargetOf(const std::string& profile) const;
  Status Install(const CertTarget& t, const CertInstall& c) const;
  Status Hook(const std::vector<std::string>& argv, const std::string& phase,
              const std::string& profile, const CertInstall* c, const CertTarget& t) const;

  PlatformConfig config_;
  std::unique_ptr<SshdAuthLog> auth_log_;  // when platform.ssh.auth_log names sshd's log
};

}  // namespace rotagent::platform
