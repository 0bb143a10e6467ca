// Opengear (OM/CM), through ogcli with every value fed on stdin, never on its command line.
// Why ogcli and not the local REST API (/api/v2): ogcli runs on the box as the agent's own user
// and needs no login, while REST needs a session token from a username and password the agent
// would have to hold (and rotate) itself; both go through the same configuration system.
// Users get `hashed_password` (sha512-crypt; plaintext never reaches ogcli); the server profile
// named by platform.opengear.https_profile replaces the HTTPS certificate (`cert`) and its key
// (`csr.private_key`) of services/https. A rollback re-applies the previous values through ogcli
// (the account or profile state the agent hands back, or, for a profile that held nothing
// before, the box's own certificate saved 0600 under the work directory before the first change);
// the configuration database itself is never copied or replaced, so the configuration system
// regenerates /etc/shadow and the web server's certificate each time. Reads ask for
// `--secrets cleartext`; a box that still prints a hash masked has it reported unknown, and a
// plaintext password is then proven only by a real SSH login (login_proof: ssh).
#pragma once

#include <map>
#include <mutex>

#include "platform/opengear/ogcli_format.h"
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
    std::string id;
    std::optional<std::string> hashed_password;  // nullopt: printed masked
  };
  Result<std::string> Ogcli(const std::vector<std::string>& args, const std::string& input) const;
  // `ogcli --secrets cleartext get WHAT`, one record per entity.
  Result<std::vector<OgcliRecord>> Get(const std::string& what) const;
  Result<User> FindUser(const std::string& account) const;
  Result<std::string> HttpsCertificate() const;
  Status PutHttps(const std::string& chain, std::string& key) const;
  Status PutHttpsFrom(const std::filesystem::path& slot_dir) const;
  Status SetHash(const std::string& account, const std::string& hash) const;
  // The box's own HTTPS certificate and key, saved before the agent first replaces them.
  std::filesystem::path OriginalHttps() const;
  Status SaveOriginalHttps() const;
  bool IsHttps(const std::string& profile) const;

  PlatformConfig config_;
  OpengearConfig opengear_;  // platform.opengear
};

}  // namespace rotagent::platform::opengear
