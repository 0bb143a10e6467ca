// The optional capability of writing local accounts: password hashes, authorized keys and
// principals. A platform without it answers credentialz account requests with UNIMPLEMENTED.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "platform/platform_config.h"
#include "platform/ssh_probe.h"

namespace rotagent::platform {

// What the box holds for one account. nullopt: the box has none (no file, no hash).
struct AccountState {
  std::optional<std::string> password_hash;  // crypt(3) string; never plaintext
  std::optional<std::string> authorized_keys;
  std::optional<std::string> authorized_principals;
  bool operator==(const AccountState&) const = default;
};

// Where a real login proves a new password: the box's sshd and the host keys it may show (a
// password is sent to no other server).
struct LoginProbe {
  SshEndpoint endpoint;
  std::vector<std::string> pinned_host_keys;
};

class AccountSink {
 public:
  virtual ~AccountSink() = default;

  // NOT_FOUND unless the local account exists.
  virtual Status CheckAccount(const std::string& account) const = 0;
  virtual Result<AccountState> ReadAccount(const std::string& account) const = 0;
  // Makes `state` what new logins of the account see.
  virtual Status StageAccount(const std::string& account, const AccountState& state) = 0;
  virtual Status CommitAccount(const std::string& account, const AccountState& state) = 0;
  virtual Status RestoreAccount(const std::string& account, const AccountState& state) = 0;

  // Where a login proves a password; UNIMPLEMENTED when the operator chose a proof by readback
  // (the caller then checks the plaintext against the stored hash). See VerifyPassword.
  virtual Result<LoginProbe> PasswordProbe() const = 0;

  // The crypt(3) prefix the box's password store takes ("$6$"); empty: the best available.
  virtual std::string PasswordHashPrefix() const { return ""; }
};

// Proves a password by a real login through `sink`'s probe (UNIMPLEMENTED when it has none, or
// when the box's login service takes no passwords); the plaintext is neither kept nor logged.
// The one password login of every platform.
Status VerifyPassword(const AccountSink& sink, const std::string& account,
                      const std::string& plaintext);

// The probe of the sshd at ssh.address, showing one of `pinned_host_keys`.
Result<LoginProbe> ProbeAt(const SshConfig& ssh, std::vector<std::string> pinned_host_keys);

}  // namespace rotagent::platform
