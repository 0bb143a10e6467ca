// Arista EOS, through eAPI. A certz profile is the EOS `ssl profile` of the same name: the
// version's certificate, key and trust certificates are copied into the certificate: and sslkey:
// stores under names unique to the version, and the profile is repointed in a configuration
// session committed under a commit timer, so the change is live at once and EOS rolls it back
// by itself if the agent dies before Finalize. Finalize confirms the session, saves the config
// and deletes the old files. Passwords go the same way as `username NAME secret sha512 $6$...`;
// plaintext never reaches eAPI. Everything is verified by reading running-config back.
#pragma once

#include <map>
#include <mutex>
#include <set>

#include "platform/eos/eapi_client.h"
#include "platform/eos/eos_config.h"
#include "platform/eos/running_config.h"
#include "platform/platform.h"

namespace rotagent::platform::eos {

class EosPlatform final : public Platform, public CertSink, public AccountSink {
 public:
  explicit EosPlatform(PlatformConfig config);

  std::string Name() const override { return "eos"; }
  CertSink& Certs() override { return *this; }
  AccountSink* Accounts() override { return this; }
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

  std::string PasswordHashPrefix() const override { return "$6$"; }

 private:
  // A change applied under a commit timer and not yet confirmed.
  struct Pending {
    std::string session;
    std::vector<std::string> old_files;  // "certificate:x" / "sslkey:y", deleted on confirm
    std::vector<std::string> new_files;  // deleted on rollback
  };

  // Removes and returns the pending change under `key`, if any.
  std::optional<Pending> Take(const std::string& key);
  // Copies the version's files into the stores; returns the profile config that uses them.
  Result<SslProfileConfig> Import(const CertInstall& c, std::vector<std::string>& files) const;
  Result<std::string> RunningConfig(const std::string& section) const;
  // Applies `body` in session `session`: under the commit timer, or committed outright.
  Status Apply(const std::string& session, const std::vector<std::string>& body, bool timer) const;
  // Names of the configuration sessions waiting on their commit timer.
  Result<std::set<std::string>> PendingSessions() const;
  // Aborts sessions of ours still waiting on their commit timer whose names start with
  // `prefix`: after an agent restart the in-memory record of them is gone.
  Status AbortStale(const std::string& prefix) const;
  Status PointProfile(const std::string& profile, const std::optional<SslProfileConfig>& from,
                      const SslProfileConfig& to, const std::string& session, bool timer) const;
  Status DeleteFiles(const std::vector<std::string>& files) const;
  Status SetSecret(const std::string& account, const std::string& hash, const std::string& session,
                   bool timer) const;

  PlatformConfig config_;
  EosConfig eos_;  // platform.eos
  EapiClient eapi_;
  std::mutex mu_;                           // guards pending_
  std::map<std::string, Pending> pending_;  // by "cert:<profile>" / "user:<account>"
};

}  // namespace rotagent::platform::eos
