// Opengear (OM/CM), through ogcli with every value fed on stdin, never on its command line.
// Users get `hashed_password` (sha512-crypt; plaintext never reaches ogcli); the server profile
// named by platform.opengear.https_profile replaces the HTTPS certificate (services/https).
// Before each change the configuration database is snapshotted; a rollback restores the
// snapshot when the change is the newest one pending, and otherwise puts the previous value
// back with ogcli, so rolling back one change never undoes a later one. Every change is read
// back with `ogcli get`.
#pragma once

#include <map>
#include <mutex>

#include "platform/opengear/opengear_config.h"
#include "platform/platform.h"

namespace rotagent::platform::opengear {

class OpengearPlatform final : public Platform, public CertSink, public AccountSink {
 public:
  explicit OpengearPlatform(PlatformConfig config)
      : config_(std::move(config)), opengear_(config_.OptionsOf<OpengearConfig>("opengear")) {}

  std::string Name() const override { return "opengear"; }
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
  struct User {
    std::string id, hashed_password;
  };
  Result<std::string> Ogcli(const std::vector<std::string>& args, const std::string& input) const;
  Result<User> FindUser(const std::string& account) const;
  Result<std::string> HttpsCertificate() const;
  Status PutHttps(const std::filesystem::path& slot_dir) const;
  Status SetHash(const std::string& account, const std::string& hash) const;

  // Snapshots, newest last, by change key ("user:<account>", "cert:<profile>").
  Status Snapshot(const std::string& key);
  void Drop(const std::string& key);
  // Restores the key's snapshot if it is the newest; false when another change came after it.
  Result<bool> RestoreIfNewest(const std::string& key);
  bool IsHttps(const std::string& profile) const;

  PlatformConfig config_;
  OpengearConfig opengear_;  // platform.opengear
  std::mutex mu_;
  std::vector<std::pair<std::string, std::filesystem::path>> snapshots_;
};

}  // namespace rotagent::platform::opengear
