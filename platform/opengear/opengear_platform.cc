#include "platform/opengear/opengear_platform.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>

#include "common/atomic_file.h"
#include "common/ossl.h"
#include "platform/opengear/ogcli_format.h"
#include "platform/ssh_probe.h"
#include "platform/subprocess.h"

namespace rotagent::platform::opengear {
namespace fs = std::filesystem;

Result<std::string> OpengearPlatform::Ogcli(const std::vector<std::string>& args,
                                            const std::string& input) const {
  std::vector<std::string> argv = {opengear_.ogcli};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string what = "ogcli";
  for (const auto& a : args) what += " " + a;
  auto r = RunProcess(argv, input, config_.hook_timeout_seconds);
  if (!r.ok()) return r.status().WithContext(what);
  if (r->exit_code != 0) {
    std::string err = r->err.empty() ? r->out : r->err;
    err = err.substr(0, err.find('\n'));
    return FailedPrecondition(what + " failed (exit " + std::to_string(r->exit_code) + "): " + err);
  }
  return std::move(r->out);
}

Result<OpengearPlatform::User> OpengearPlatform::FindUser(const std::string& account) const {
  auto out = Ogcli({"get", "users"}, "");
  if (!out.ok()) return out.status();
  const auto fields = ParseOgcli(*out);
  Wipe(*out);
  for (const auto& [path, value] : fields) {
    const std::string suffix = ".username";
    if (path.size() <= suffix.size() ||
        path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0 || value != account) {
      continue;
    }
    const std::string prefix = path.substr(0, path.size() - suffix.size());
    User u;
    if (auto id = fields.find(prefix + ".id"); id != fields.end()) u.id = id->second;
    if (auto h = fields.find(prefix + ".hashed_password"); h != fields.end()) {
      u.hashed_password = h->second;
    }
    if (u.id.empty()) return Internal("ogcli lists user '" + account + "' without an id");
    return u;
  }
  return NotFound("the Opengear has no user '" + account + "'");
}

Status OpengearPlatform::Snapshot(const std::string& key) {
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(config_.work_dir, 0700));
  auto db = ReadFile(opengear_.config_db);
  if (!db.ok()) return db.status().WithContext("opengear config database");
  std::lock_guard lock(mu_);
  const fs::path copy =
      config_.work_dir / ("ngcs.db.snapshot-" + std::to_string(snapshots_.size()) + "-" +
                          std::to_string(std::hash<std::string>{}(key)));
  Status s = WriteFileAtomic(copy, *db, 0600);
  Wipe(*db);
  ROTAGENT_RETURN_IF_ERROR(s);
  snapshots_.emplace_back(key, copy);
  return Status::Ok();
}

void OpengearPlatform::Drop(const std::string& key) {
  std::lock_guard lock(mu_);
  for (auto it = snapshots_.begin(); it != snapshots_.end();) {
    if (it->first == key) {
      fs::remove(it->second);
      it = snapshots_.erase(it);
    } else {
      ++it;
    }
  }
}

Result<bool> OpengearPlatform::RestoreIfNewest(const std::string& key) {
  std::lock_guard lock(mu_);
  if (snapshots_.empty() || snapshots_.back().first != key) return false;
  auto copy = ReadFile(snapshots_.back().second);
  if (!copy.ok()) return copy.status();
  struct stat st {};
  if (stat(opengear_.config_db.c_str(), &st) != 0) st.st_mode = 0600;
  Status s = WriteFileAtomic(opengear_.config_db, *copy, st.st_mode & 07777, st.st_uid, st.st_gid);
  Wipe(*copy);
  ROTAGENT_RETURN_IF_ERROR(s);
  fs::remove(snapshots_.back().second);
  snapshots_.pop_back();
  spdlog::info("opengear: configuration database restored from the snapshot before {}", key);
  return true;
}

bool OpengearPlatform::IsHttps(const std::string& profile) const {
  return profile == opengear_.https_profile;
}

Result<std::string> OpengearPlatform::HttpsCertificate() const {
  auto out = Ogcli({"get", "services/https"}, "");
  if (!out.ok()) return out.status();
  const auto fields = ParseOgcli(*out);
  const auto cert = fields.find("https.cert");
  return cert == fields.end() ? std::string() : cert->second;
}

Status OpengearPlatform::PutHttps(const fs::path& slot_dir) const {
  auto chain = ReadFile(slot_dir / "chain.pem");
  if (!chain.ok()) return chain.status();
  auto key = ReadFile(slot_dir / "key.pem");
  if (!key.ok()) return key.status();
  std::string input = "cert=" + OgcliQuote(*chain) + "\nprivate_key=" + OgcliQuote(*key) + "\n";
  Wipe(*key);
  auto r = Ogcli({"replace", "services/https"}, input);
  Wipe(input);
  if (!r.ok()) return r.status();
  auto now = HttpsCertificate();
  if (!now.ok()) return now.status();
  if (*now != *chain)
    return Internal("opengear: the HTTPS certificate does not read back as written");
  return Status::Ok();
}

Status OpengearPlatform::StageCert(const CertInstall& c) {
  if (!IsHttps(c.profile)) return Status::Ok();  // nothing on the box uses it
  ROTAGENT_RETURN_IF_ERROR(Snapshot("cert:" + c.profile));
  if (Status s = PutHttps(c.slot_dir); !s.ok()) {
    (void)RestoreIfNewest("cert:" + c.profile);
    return s;
  }
  return Status::Ok();
}

Status OpengearPlatform::CommitCert(const CertInstall& c) {
  if (!IsHttps(c.profile)) return Status::Ok();
  Drop("cert:" + c.profile);
  // After a restart the change may never have reached the box: make sure it did.
  auto now = HttpsCertificate();
  auto chain = ReadFile(c.slot_dir / "chain.pem");
  if (now.ok() && chain.ok() && *now == *chain) return Status::Ok();
  return PutHttps(c.slot_dir);
}

Status OpengearPlatform::RollbackCert(const std::string& profile,
                                      const std::optional<CertInstall>& previous) {
  if (!IsHttps(profile)) return Status::Ok();
  auto restored = RestoreIfNewest("cert:" + profile);
  if (!restored.ok()) return restored.status();
  Drop("cert:" + profile);
  if (*restored || !previous) return Status::Ok();
  return PutHttps(previous->slot_dir);
}

Result<std::string> OpengearPlatform::CertDrift(const CertInstall& committed) const {
  if (!IsHttps(committed.profile)) return std::string();
  auto now = HttpsCertificate();
  if (!now.ok()) return now.status();
  auto chain = ReadFile(committed.slot_dir / "chain.pem");
  if (!chain.ok()) return chain.status();
  if (*now != *chain) return std::string("the Opengear HTTPS certificate is not the committed one");
  return std::string();
}

Status OpengearPlatform::CheckAccount(const std::string& account) const {
  return FindUser(account).status();
}

Result<AccountState> OpengearPlatform::ReadAccount(const std::string& account) const {
  auto u = FindUser(account);
  if (!u.ok()) return u.status();
  AccountState st;
  if (!u->hashed_password.empty()) st.password_hash = std::move(u->hashed_password);
  return st;
}

Status OpengearPlatform::SetHash(const std::string& account, const std::string& hash) const {
  auto u = FindUser(account);
  if (!u.ok()) return u.status();
  std::string input = "hashed_password=" + OgcliQuote(hash) + "\n";
  auto r = Ogcli({"update", "user", u->id}, input);
  Wipe(input);
  if (!r.ok()) return r.status();
  auto back = FindUser(account);
  if (!back.ok()) return back.status();
  if (back->hashed_password != hash) {
    return Internal("opengear: the password of user '" + account +
                    "' does not read back as written");
  }
  return Status::Ok();
}

Status OpengearPlatform::StageAccount(const std::string& account, const AccountState& state) {
  if (state.authorized_keys || state.authorized_principals) {
    return Status(Code::kUnimplemented,
                  "the Opengear adapter rotates passwords only, not authorized keys or principals");
  }
  if (!state.password_hash) {
    return FailedPrecondition("Opengear user '" + account + "' would be left without a password");
  }
  if (state.password_hash->rfind("$6$", 0) != 0) {
    return InvalidArgument("the Opengear adapter sends only sha512-crypt ($6$) hashes; account '" +
                           account + "' was given another kind");
  }
  ROTAGENT_RETURN_IF_ERROR(Snapshot("user:" + account));
  if (Status s = SetHash(account, *state.password_hash); !s.ok()) {
    (void)RestoreIfNewest("user:" + account);
    return s;
  }
  return Status::Ok();
}

Status OpengearPlatform::CommitAccount(const std::string& account, const AccountState& state) {
  Drop("user:" + account);
  auto current = ReadAccount(account);
  if (!current.ok()) return current.status();
  if (!state.password_hash || current->password_hash == state.password_hash) return Status::Ok();
  return SetHash(account, *state.password_hash);
}

Status OpengearPlatform::RestoreAccount(const std::string& account, const AccountState& state) {
  auto restored = RestoreIfNewest("user:" + account);
  if (!restored.ok()) return restored.status();
  Drop("user:" + account);
  auto current = ReadAccount(account);
  if (!current.ok()) return current.status();
  if (!state.password_hash || current->password_hash == state.password_hash) return Status::Ok();
  return SetHash(account, *state.password_hash);
}

Result<LoginProbe> OpengearPlatform::PasswordProbe() const {
  if (opengear_.login_proof != "ssh") {
    return Status(Code::kUnimplemented, "platform.opengear.login_proof is readback");
  }
  auto pinned = ReadHostKeyFiles(config_.ssh.host_public_keys);
  if (!pinned.ok()) return pinned.status();
  return ProbeAt(config_.ssh, std::move(*pinned));
}

Facts OpengearPlatform::Describe() const {
  Facts out{.kind = "opengear"};
  if (auto v = Ogcli({"get", "system/version"}, ""); v.ok()) {
    const auto fields = ParseOgcli(*v);
    if (auto f = fields.find("system_version.firmware_version"); f != fields.end()) {
      out.os = f->second;
    }
  }
  return out;
}

}  // namespace rotagent::platform::opengear
