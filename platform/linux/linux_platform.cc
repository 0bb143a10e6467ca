#include "platform/linux/linux_platform.h"

#include <sys/utsname.h>

#include <filesystem>

#include "common/atomic_file.h"
#include "common/failpoint.h"
#include "common/ossl.h"
#include "platform/linux/hook_runner.h"

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
  Status s = WriteFileAtomic(to, *data, mode);
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
    std::error_code ec;
    for (const auto& p : {t->key_path, t->cert_path, t->trust_bundle_path, t->crl_path}) {
      if (!p.empty()) fs::remove(p, ec);
    }
  }
  return Hook(t->rollback_hook, "rollback", profile, previous ? &*previous : nullptr, *t);
}

std::map<std::string, std::string> LinuxPlatform::Describe() const {
  utsname u{};
  uname(&u);
  return {
      {"kind", "linux"}, {"os", std::string(u.sysname) + " " + u.release}, {"model", u.machine}};
}

}  // namespace rotagent::platform
