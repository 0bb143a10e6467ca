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

#include "platform/platform.h"

namespace rotagent::platform::opengear {

class OpengearPlatform final : public Platform {
 public:
  explicit OpengearPlatform(PlatformConfig config) : config_(std::move(config)) {}

  std::string Name() const override { return "opengear"; }
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
  Status VerifyPassword(const std::string& account, const std::string& plaintext) override;

  Status StageSshHost(const SshHostState& state) override;
  Status CommitSshHost(const SshHostState& state) override;
  Status RestoreSshHost(const std::optional<SshHostState>& state) override;
  Result<std::vector<std::string>> NativeHostPublicKeys() const override;

  std::string PasswordHashPrefix() const override { return "$6$"; }
  std::map<std::string, std::string> Describe() const override;

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
  std::mutex mu_;
  std::vector<std::pair<std::string, std::filesystem::path>> snapshots_;
};

}  // namespace rotagent::platform::opengear
