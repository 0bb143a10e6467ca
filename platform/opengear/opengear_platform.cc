#include "platform/opengear/opengear_platform.h"

#include <spdlog/spdlog.h>

#include "common/atomic_file.h"
#include "common/ossl.h"
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
    // ogcli's first error line names the problem; values are on stdin, never echoed here.
    std::string err = r->err.empty() ? r->out : r->err;
    Wipe(r->out);
    err = err.substr(0, err.find('\n'));
    return FailedPrecondition(what + " failed (exit " + std::to_string(r->exit_code) + "): " + err);
  }
  return std::move(r->out);
}

Result<std::vector<OgcliRecord>> OpengearPlatform::Get(const std::string& what) const {
  auto out = Ogcli({"--secrets", "cleartext", "get", what}, "");
  if (!out.ok()) return out.status();
  auto records = ParseOgcliRecords(*out);
  Wipe(*out);
  return records;
}

Result<OpengearPlatform::User> OpengearPlatform::FindUser(const std::string& account) const {
  auto users = Get("users");
  if (!users.ok()) return users.status();
  Result<User> found = NotFound("the Opengear has no user '" + account + "'");
  for (auto& u : *users) {
    auto name = u.find("username");
    if (name == u.end() || name->second != account) continue;
    User out;
    if (auto id = u.find("id"); id != u.end()) out.id = id->second;
    if (auto h = u.find("hashed_password"); h != u.end() && !MaskedHash(h->second)) {
      out.hashed_password = h->second;
    }
    found = out.id.empty()
                ? Result<User>(Internal("ogcli lists user '" + account + "' without an id"))
                : Result<User>(std::move(out));
  }
  for (auto& u : *users) {
    if (auto h = u.find("hashed_password"); h != u.end()) Wipe(h->second);
  }
  return found;
}

bool OpengearPlatform::IsHttps(const std::string& profile) const {
  return profile == opengear_.https_profile;
}

Result<std::string> OpengearPlatform::HttpsCertificate() const {
  auto https = Get("services/https");
  if (!https.ok()) return https.status();
  std::string cert;
  for (auto& r : *https) {
    if (auto c = r.find("cert"); c != r.end()) cert = c->second;
    if (auto k = r.find("csr.private_key"); k != r.end()) Wipe(k->second);
  }
  return cert;
}

Status OpengearPlatform::PutHttps(const std::string& chain, std::string& key) const {
  std::string input = "cert=" + OgcliQuote(chain) + "\ncsr.private_key=" + OgcliQuote(key) + "\n";
  Wipe(key);
  auto r = Ogcli({"update", "services/https"}, input);
  Wipe(input);
  if (!r.ok()) return r.status();
  auto now = HttpsCertificate();
  if (!now.ok()) return now.status();
  if (*now != chain) {
    return Internal("opengear: the HTTPS certificate does not read back as written");
  }
  return Status::Ok();
}

Status OpengearPlatform::PutHttpsFrom(const fs::path& slot_dir) const {
  auto chain = ReadFile(slot_dir / "chain.pem");
  if (!chain.ok()) return chain.status();
  auto key = ReadFile(slot_dir / "key.pem");
  if (!key.ok()) return key.status();
  return PutHttps(*chain, *key);
}

fs::path OpengearPlatform::OriginalHttps() const {
  return config_.work_dir / "opengear-https-original";
}

Status OpengearPlatform::SaveOriginalHttps() const {
  if (fs::exists(OriginalHttps())) return Status::Ok();  // the first change's is the original
  auto https = Get("services/https");
  if (!https.ok()) return https.status();
  OgcliRecord all;
  for (auto& r : *https) all.merge(r);
  std::string cert = all["cert"], key = all["csr.private_key"];
  Wipe(all["csr.private_key"]);
  if (cert.empty() || key.find("PRIVATE KEY") == std::string::npos) {
    // Nothing to save, or the key reads back masked: a rollback then keeps the new certificate.
    Wipe(key);
    spdlog::warn("opengear: the current HTTPS certificate cannot be saved for a rollback{}",
                 cert.empty() ? "" : " (its key reads back masked)");
    return Status::Ok();
  }
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(config_.work_dir, 0700));
  std::string text = "cert=" + OgcliQuote(cert) + "\ncsr.private_key=" + OgcliQuote(key) + "\n";
  Wipe(key);
  Status s = WriteFileAtomic(OriginalHttps(), text, 0600);
  Wipe(text);
  return s;
}

Status OpengearPlatform::StageCert(const CertInstall& c) {
  if (!IsHttps(c.profile)) return Status::Ok();  // nothing on the box uses it
  ROTAGENT_RETURN_IF_ERROR(SaveOriginalHttps());
  return PutHttpsFrom(c.slot_dir);
}

Status OpengearPlatform::CommitCert(const CertInstall& c) {
  if (!IsHttps(c.profile)) return Status::Ok();
  // After a restart the change may never have reached the box: make sure it did.
  auto now = HttpsCertificate();
  auto chain = ReadFile(c.slot_dir / "chain.pem");
  if (!(now.ok() && chain.ok() && *now == *chain))
    ROTAGENT_RETURN_IF_ERROR(PutHttpsFrom(c.slot_dir));
  fs::remove(OriginalHttps());  // a profile the agent committed is what later rollbacks restore
  return Status::Ok();
}

Status OpengearPlatform::RollbackCert(const std::string& profile,
                                      const std::optional<CertInstall>& previous) {
  if (!IsHttps(profile)) return Status::Ok();
  if (previous) {
    auto now = HttpsCertificate();
    auto chain = ReadFile(previous->slot_dir / "chain.pem");
    if (now.ok() && chain.ok() && *now == *chain) return Status::Ok();
    return PutHttpsFrom(previous->slot_dir);
  }
  auto saved = ReadFile(OriginalHttps());
  if (!saved.ok()) {
    if (saved.status().code() != Code::kNotFound) return saved.status();
    return FailedPrecondition(
        "opengear: the box's own HTTPS certificate was not saved (its key read back masked), so "
        "the new one stays; upload a replacement");
  }
  OgcliRecord values = ParseOgcli(*saved);
  Wipe(*saved);
  Status s = PutHttps(values["cert"], values["csr.private_key"]);
  if (s.ok()) {
    fs::remove(OriginalHttps());
    spdlog::info("opengear: the box's own HTTPS certificate was put back");
  }
  return s;
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
  st.password_hash = std::move(u->hashed_password);
  return st;
}

Status OpengearPlatform::SetHash(const std::string& account, const std::string& hash) const {
  auto u = FindUser(account);
  if (!u.ok()) return u.status();
  if (u->hashed_password) Wipe(*u->hashed_password);
  std::string input = "hashed_password=" + OgcliQuote(hash) + "\n";
  auto r = Ogcli({"update", "user", u->id}, input);
  Wipe(input);
  if (!r.ok()) return r.status();
  auto back = FindUser(account);
  if (!back.ok()) return back.status();
  // A masked read-back proves nothing either way: the login proof has to.
  if (back->hashed_password && *back->hashed_password != hash) {
    Wipe(*back->hashed_password);
    return Internal("opengear: the password of user '" + account +
                    "' does not read back as written");
  }
  if (back->hashed_password) Wipe(*back->hashed_password);
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
  if (opengear_.login_proof != "ssh") {
    auto current = FindUser(account);
    if (!current.ok()) return current.status();
    if (!current->hashed_password) {
      return FailedPrecondition(
          "the Opengear prints hashed_password masked even with --secrets cleartext, so a new "
          "password cannot be verified by read-back; set platform.opengear.login_proof: ssh");
    }
    Wipe(*current->hashed_password);
  }
  return SetHash(account, *state.password_hash);
}

Status OpengearPlatform::CommitAccount(const std::string& account, const AccountState& state) {
  auto current = ReadAccount(account);
  if (!current.ok()) return current.status();
  // Already applied at Stage; after a restart, make sure it is (a masked hash is taken as it).
  if (!state.password_hash || !current->password_hash ||
      current->password_hash == state.password_hash) {
    return Status::Ok();
  }
  return SetHash(account, *state.password_hash);
}

Status OpengearPlatform::RestoreAccount(const std::string& account, const AccountState& state) {
  if (!state.password_hash) {
    // The box printed the previous hash masked, so nobody knows it: the new password, which the
    // controller holds, stays.
    spdlog::warn(
        "opengear: the previous password of user '{}' was never readable "
        "(hashed_password prints masked); the new one stays",
        account);
    return Status::Ok();
  }
  auto current = ReadAccount(account);
  if (!current.ok()) return current.status();
  if (current->password_hash == state.password_hash) return Status::Ok();
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
    if (auto f = fields.find("firmware_version"); f != fields.end()) out.os = f->second;
  }
  return out;
}

}  // namespace rotagent::platform::opengear
