#include "platform/linux/linux_platform.h"

#include <spdlog/spdlog.h>
#include <sys/utsname.h>

#include <filesystem>

#include "common/atomic_file.h"
#include "common/failpoint.h"
#include "common/ossl.h"
#include "common/safe_path.h"
#include "platform/linux/account_files.h"
#include "platform/linux/hook_runner.h"
#include "platform/linux/shadow.h"
#include "platform/linux/sshd_host.h"

namespace rotagent::platform {
namespace fs = std::filesystem;

namespace {

// Copies one slot file to its installed path; the key keeps mode 0600.
Status CopyOne(const fs::path& from, const std::string& to, mode_t mode) {
  if (to.empty()) return Status::Ok();
  auto data = ReadFile(from);
  if (!data.ok()) {
    if (data.status().code() != Code::kNotFound) return data.status();
    *data = "";  // an absent entity installs as an empty file, so stale material is not left
  }
  // Root's file, reached through directory fds: a target under a directory someone else can
  // write is refused rather than followed (docs/security-local-files.md).
  Status s = SafeWriteFile(to, *data, mode, 0, 0);
  Wipe(*data);
  return s.WithContext("installing " + to);
}

}  // namespace

const CertTarget* LinuxPlatform::TargetOf(const std::string& profile) const {
  auto it = config_.cert_targets.find(profile);
  return it == config_.cert_targets.end() ? nullptr : &it->second;
}

Status LinuxPlatform::Install(const CertTarget& t, const CertInstall& c) const {
  // Key before certificate: a reader that sees the new certificate finds its key already there.
  ROTAGENT_RETURN_IF_ERROR(CopyOne(c.slot_dir / "key.pem", t.key_path, 0600));
  ROTAGENT_RETURN_IF_ERROR(CopyOne(c.slot_dir / "chain.pem", t.cert_path, 0644));
  ROTAGENT_RETURN_IF_ERROR(CopyOne(c.slot_dir / "trust.pem", t.trust_bundle_path, 0644));
  return CopyOne(c.slot_dir / "crl.pem", t.crl_path, 0644);
}

Status LinuxPlatform::Hook(const std::vector<std::string>& argv, const std::string& phase,
                           const std::string& profile, const CertInstall* c,
                           const CertTarget& t) const {
  std::map<std::string, std::string> env = {{"ROTAGENT_PHASE", phase},
                                            {"ROTAGENT_PROFILE", profile},
                                            {"ROTAGENT_CERT_PATH", t.cert_path},
                                            {"ROTAGENT_KEY_PATH", t.key_path},
                                            {"ROTAGENT_TRUST_BUNDLE_PATH", t.trust_bundle_path},
                                            {"ROTAGENT_CRL_PATH", t.crl_path},
                                            {"ROTAGENT_VERSION", c != nullptr ? c->version : ""}};
  return RunHook(argv, env, config_.hook_timeout_seconds).WithContext(phase + " hook");
}

Status LinuxPlatform::StageCert(const CertInstall& candidate) {
  const CertTarget* t = TargetOf(candidate.profile);
  if (t == nullptr) return Status::Ok();
  ROTAGENT_RETURN_IF_ERROR(Install(*t, candidate));
  Failpoint("linux.cert_installed");
  return Hook(t->stage_hook, "stage", candidate.profile, &candidate, *t);
}

Status LinuxPlatform::CommitCert(const CertInstall& committed) {
  const CertTarget* t = TargetOf(committed.profile);
  if (t == nullptr) return Status::Ok();
  return Hook(t->commit_hook, "commit", committed.profile, &committed, *t);
}

Status LinuxPlatform::RollbackCert(const std::string& profile,
                                   const std::optional<CertInstall>& previous) {
  const CertTarget* t = TargetOf(profile);
  if (t == nullptr) return Status::Ok();
  if (previous) {
    ROTAGENT_RETURN_IF_ERROR(Install(*t, *previous));
  } else {
    Status removed = Status::Ok();
    for (const auto& p : {t->key_path, t->cert_path, t->trust_bundle_path, t->crl_path}) {
      if (p.empty()) continue;
      Status s = SafeRemoveFile(p);
      if (removed.ok()) removed = s.WithContext("removing " + p);
    }
    ROTAGENT_RETURN_IF_ERROR(removed);
  }
  return Hook(t->rollback_hook, "rollback", profile, previous ? &*previous : nullptr, *t);
}

namespace {
constexpr const char* kShadow = "/etc/shadow";
}  // namespace

LinuxPlatform::LinuxPlatform(PlatformConfig config) : config_(std::move(config)) {
  if (!config_.ssh.auth_log.empty()) {
    auth_log_ = std::make_unique<SshdAuthLog>(config_.ssh.auth_log);
  }
}

void LinuxPlatform::RemoveCrashLeftovers() const {
  auto removed = RemoveStaleShadowTemps(kShadow);
  if (!removed.ok()) {
    spdlog::warn("stale temporaries of {} not removed: {}", kShadow, removed.status().message());
  } else if (*removed > 0) {
    spdlog::warn("removed {} temporary file(s) of {} left by a crash", *removed, kShadow);
  }
}

Result<std::string> LinuxPlatform::CertDrift(const CertInstall& committed) const {
  const CertTarget* t = TargetOf(committed.profile);
  if (t == nullptr) return std::string();
  for (auto [file, installed] : {std::pair{"key.pem", &t->key_path},
                                 {"chain.pem", &t->cert_path},
                                 {"trust.pem", &t->trust_bundle_path},
                                 {"crl.pem", &t->crl_path}}) {
    if (installed->empty()) continue;
    auto want = ReadOptionalFile(committed.slot_dir / file);
    auto have = ReadOptionalFile(*installed);
    if (!want.ok()) return want.status();
    const bool same = have.ok() && want->value_or("") == have->value_or("");
    if (*want) Wipe(**want);
    if (have.ok() && *have) Wipe(**have);
    if (!same) {
      return "installed file " + *installed + " is not the committed version '" +
             committed.version + "'";
    }
  }
  return std::string();
}

Status LinuxPlatform::CheckAccount(const std::string& account) const {
  return LookupUser(account).status();
}

Result<AccountState> LinuxPlatform::ReadAccount(const std::string& account) const {
  auto user = LookupUser(account);
  if (!user.ok()) return user.status();
  AccountState state;
  auto shadow = ReadFile(kShadow);
  if (!shadow.ok()) return shadow.status();
  auto hash = ShadowHash(*shadow, account);
  Wipe(*shadow);
  if (hash.ok()) state.password_hash = std::move(*hash);
  const SshConfig& c = config_.ssh;
  for (auto [tmpl, field] : {std::pair{&c.authorized_keys_file, &state.authorized_keys},
                             {&c.authorized_principals_file, &state.authorized_principals}}) {
    auto text = ReadOptionalFile(ExpandUserPath(*tmpl, *user), OwnerOf(*user));
    if (!text.ok()) return text.status();
    *field = std::move(*text);
  }
  return state;
}

Status LinuxPlatform::WriteAccount(const std::string& account, const AccountState& state) {
  auto user = LookupUser(account);
  if (!user.ok()) return user.status();
  auto current = ReadAccount(account);
  if (!current.ok()) return current.status();
  // Only what differs is written, so a key rotation never rewrites /etc/shadow.
  if (state.password_hash && state.password_hash != current->password_hash) {
    ROTAGENT_RETURN_IF_ERROR(WriteShadowHash(kShadow, account, *state.password_hash));
  }
  if (current->password_hash) Wipe(*current->password_hash);
  const SshConfig& c = config_.ssh;
  if (state.authorized_keys != current->authorized_keys) {
    ROTAGENT_RETURN_IF_ERROR(
        WriteUserFile(ExpandUserPath(c.authorized_keys_file, *user), state.authorized_keys, *user));
  }
  if (state.authorized_principals != current->authorized_principals) {
    ROTAGENT_RETURN_IF_ERROR(WriteUserFile(ExpandUserPath(c.authorized_principals_file, *user),
                                           state.authorized_principals, *user));
  }
  return Status::Ok();
}

Status LinuxPlatform::StageAccount(const std::string& account, const AccountState& state) {
  return WriteAccount(account, state);
}

Status LinuxPlatform::CommitAccount(const std::string& /*account*/, const AccountState& /*state*/) {
  return Status::Ok();  // staging already wrote the files sshd and PAM read
}

Status LinuxPlatform::RestoreAccount(const std::string& account, const AccountState& state) {
  return WriteAccount(account, state);
}

Result<LoginProbe> LinuxPlatform::PasswordProbe() const {
  auto pinned = PinnedHostKeys(config_.ssh);
  if (!pinned.ok()) return pinned.status();
  return ProbeAt(config_.ssh, std::move(*pinned));
}

Status LinuxPlatform::StageSshHost(const SshHostState& state) {
  return ApplySshHost(&state, config_.ssh, config_.hook_timeout_seconds, /*require_sshd=*/true);
}

Status LinuxPlatform::CommitSshHost(const SshHostState& /*state*/) { return Status::Ok(); }

Status LinuxPlatform::RestoreSshHost(const std::optional<SshHostState>& state) {
  return ApplySshHost(state ? &*state : nullptr, config_.ssh, config_.hook_timeout_seconds,
                      /*require_sshd=*/false);
}

std::optional<SshAuthCounters> LinuxPlatform::AuthResults() {
  if (!auth_log_) return std::nullopt;
  return auth_log_->Poll();
}

Result<std::vector<std::string>> LinuxPlatform::NativeHostPublicKeys() const {
  return ReadHostPublicKeys(config_.ssh);
}

Facts LinuxPlatform::Describe() const {
  utsname u{};
  uname(&u);
  return {.kind = "linux", .os = std::string(u.sysname) + " " + u.release, .model = u.machine};
}

}  // namespace rotagent::platform
