#include "tests/support/fake_platform.h"

namespace rotagent::testing {
namespace {

// The box keeps its own copy, as a real one would; a SshHostState is move-only.
platform::SshHostState Copy(const platform::SshHostState& s) {
  platform::SshHostState out;
  out.trusted_user_ca_keys = s.trusted_user_ca_keys;
  out.auth_methods = s.auth_methods;
  out.principal_check = s.principal_check;
  for (const auto& k : s.host_keys) {
    out.host_keys.push_back(
        {Secret(std::string(k.private_key.reveal())), k.public_key, k.certificate});
  }
  return out;
}

}  // namespace

Status FakePlatform::Call(const std::string& what, const std::string& item) {
  calls.push_back(what + " " + item);
  if (what.rfind("Stage", 0) == 0 && fail_stage.count(item) != 0) {
    return Internal("fake box refused to stage " + item);
  }
  return Status::Ok();
}

Status FakePlatform::StageCert(const platform::CertInstall& c) {
  ROTAGENT_RETURN_IF_ERROR(Call("StageCert", c.profile));
  installed[c.profile] = c.version;
  return Status::Ok();
}

Status FakePlatform::CommitCert(const platform::CertInstall& c) {
  return Call("CommitCert", c.profile);
}

Status FakePlatform::RollbackCert(const std::string& profile,
                                  const std::optional<platform::CertInstall>& previous) {
  ROTAGENT_RETURN_IF_ERROR(Call("RollbackCert", profile));
  if (previous) {
    installed[profile] = previous->version;
  } else {
    installed.erase(profile);
  }
  return Status::Ok();
}

Result<std::string> FakePlatform::CertDrift(const platform::CertInstall& c) const {
  auto it = installed.find(c.profile);
  if (it == installed.end() || it->second != c.version) {
    return "profile " + c.profile + " is not the committed version '" + c.version + "'";
  }
  return std::string();
}

Status FakePlatform::CheckAccount(const std::string& account) const {
  if (accounts.count(account) == 0) return NotFound("the fake box has no user '" + account + "'");
  return Status::Ok();
}

Result<platform::AccountState> FakePlatform::ReadAccount(const std::string& account) const {
  ROTAGENT_RETURN_IF_ERROR(CheckAccount(account));
  return accounts.at(account);
}

Status FakePlatform::StageAccount(const std::string& account, const platform::AccountState& s) {
  ROTAGENT_RETURN_IF_ERROR(Call("StageAccount", account));
  ROTAGENT_RETURN_IF_ERROR(CheckAccount(account));
  accounts[account] = s;
  return Status::Ok();
}

Status FakePlatform::CommitAccount(const std::string& account,
                                   const platform::AccountState& /*state*/) {
  return Call("CommitAccount", account);
}

Status FakePlatform::RestoreAccount(const std::string& account, const platform::AccountState& s) {
  ROTAGENT_RETURN_IF_ERROR(Call("RestoreAccount", account));
  accounts[account] = s;
  return Status::Ok();
}

Result<platform::LoginProbe> FakePlatform::PasswordProbe() const {
  return Status(Code::kUnimplemented, "the fake box proves passwords by readback");
}

Status FakePlatform::StageSshHost(const platform::SshHostState& state) {
  ROTAGENT_RETURN_IF_ERROR(Call("StageSshHost", "host"));
  ssh_host = Copy(state);
  return Status::Ok();
}

Status FakePlatform::CommitSshHost(const platform::SshHostState& /*state*/) {
  return Call("CommitSshHost", "host");
}

Status FakePlatform::RestoreSshHost(const std::optional<platform::SshHostState>& state) {
  ROTAGENT_RETURN_IF_ERROR(Call("RestoreSshHost", "host"));
  ssh_host.reset();
  if (state) ssh_host = Copy(*state);
  return Status::Ok();
}

Result<std::vector<std::string>> FakePlatform::NativeHostPublicKeys() const {
  return std::vector<std::string>{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeBoxOwnKey fake"};
}

}  // namespace rotagent::testing
