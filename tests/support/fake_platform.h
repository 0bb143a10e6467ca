// A platform in memory for engine unit tests: what the box holds per profile, account and SSH
// server, every call it saw, failures on demand, and capabilities that can be switched off.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "platform/platform.h"

namespace rotagent::testing {

// Which optional sinks a FakePlatform provides (outside the class: a default argument of its
// constructor).
struct FakeCapabilities {
  bool accounts = true;
  bool ssh_host = true;
};

class FakePlatform final : public platform::Platform,
                           public platform::CertSink,
                           public platform::AccountSink,
                           public platform::SshHostSink {
 public:
  using Capabilities = FakeCapabilities;
  explicit FakePlatform(Capabilities caps = {}) : caps_(caps) {}

  std::string Name() const override { return "fake"; }
  CertSink& Certs() override { return *this; }
  AccountSink* Accounts() override { return caps_.accounts ? this : nullptr; }
  SshHostSink* SshHost() override { return caps_.ssh_host ? this : nullptr; }
  platform::Facts Describe() const override {
    return {.kind = "fake", .os = "FakeOS 1.0", .model = "bench"};
  }

  Status StageCert(const platform::CertInstall& candidate) override;
  Status CommitCert(const platform::CertInstall& committed) override;
  Status RollbackCert(const std::string& profile,
                      const std::optional<platform::CertInstall>& previous) override;
  Result<std::string> CertDrift(const platform::CertInstall& committed) const override;

  Status CheckAccount(const std::string& account) const override;
  Result<platform::AccountState> ReadAccount(const std::string& account) const override;
  Status StageAccount(const std::string& account, const platform::AccountState& state) override;
  Status CommitAccount(const std::string& account, const platform::AccountState& state) override;
  Status RestoreAccount(const std::string& account, const platform::AccountState& state) override;
  // Readback: the box's login service takes no passwords, so the stored hash is checked.
  Result<platform::LoginProbe> PasswordProbe() const override;

  Status StageSshHost(const platform::SshHostState& state) override;
  Status CommitSshHost(const platform::SshHostState& state) override;
  Status RestoreSshHost(const std::optional<platform::SshHostState>& state) override;
  Result<std::vector<std::string>> NativeHostPublicKeys() const override;

  // What the box holds: the certificate version installed per profile, accounts by name (an
  // absent name is NOT_FOUND), and the managed SSH server state (nullopt: the box's own).
  std::map<std::string, std::string> installed;
  std::map<std::string, platform::AccountState> accounts;
  std::optional<platform::SshHostState> ssh_host;
  // Every call, as "StageCert gnsi v1", "RestoreAccount alice", ...
  std::vector<std::string> calls;
  // Staging of these (profile, account, or "host") fails with INTERNAL.
  std::set<std::string> fail_stage;

 private:
  Status Call(const std::string& what, const std::string& item);
  Capabilities caps_;
};

}  // namespace rotagent::testing
