#include "platform/eos/eos_platform.h"

#include <openssl/pem.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <set>

#include "common/atomic_file.h"
#include "common/ossl.h"
#include "common/x509.h"
#include "platform/ssh_probe.h"

namespace rotagent::platform::eos {
namespace fs = std::filesystem;
namespace {

// EOS names (files, sessions) keep to letters, digits, '-' and '_'.
std::string Safe(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_') c = '_';
  }
  return out;
}

std::string TimerText(int seconds) {
  char buf[16];
  snprintf(buf, sizeof buf, "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
  return buf;
}

std::string CertSession(const CertInstall& c) {
  return "rotagent-cert-" + Safe(c.profile) + "-" + Safe(c.slot_dir.filename().string());
}

std::vector<std::string> Files(const SslProfileConfig& p) {
  std::vector<std::string> out;
  if (!p.certificate.empty()) out.push_back("certificate:" + p.certificate);
  if (!p.key.empty()) out.push_back("sslkey:" + p.key);
  for (const auto& t : p.trust) out.push_back("certificate:" + t);
  return out;
}

}  // namespace

EosPlatform::EosPlatform(PlatformConfig config)
    : config_(std::move(config)), eos_(config_.OptionsOf<EosConfig>("eos")), eapi_(eos_) {}

Result<std::string> EosPlatform::RunningConfig(const std::string& section) const {
  return eapi_.Text("show running-config section " + section);
}

Status EosPlatform::Apply(const std::string& session, const std::vector<std::string>& body,
                          bool timer) const {
  std::vector<std::string> cmds = {"configure session " + session};
  cmds.insert(cmds.end(), body.begin(), body.end());
  cmds.push_back(timer ? "commit timer " + TimerText(eos_.commit_timer_seconds) : "commit");
  auto r = eapi_.Run(cmds);
  if (!r.ok()) {
    (void)eapi_.Run({"configure session " + session + " abort"});  // an open session goes
    return r.status();
  }
  return Status::Ok();
}

Result<std::set<std::string>> EosPlatform::PendingSessions() const {
  auto sessions = eapi_.Run({"show configuration sessions"});
  if (!sessions.ok()) return sessions.status();
  const nlohmann::json all = (*sessions)[0].value("sessions", nlohmann::json::object());
  std::set<std::string> pending;
  for (auto it = all.begin(); it != all.end(); ++it) {
    if (it->value("state", "") == "pendingCommitTimer") pending.insert(it.key());
  }
  return pending;
}

Status EosPlatform::AbortStale(const std::string& prefix) const {
  auto pending = PendingSessions();
  if (!pending.ok()) return pending.status();
  for (const auto& name : *pending) {
    if (name.rfind(prefix, 0) != 0) continue;
    spdlog::info("eos: aborting session {} left pending by an earlier run", name);
    ROTAGENT_RETURN_IF_ERROR(eapi_.Run({"configure session " + name + " abort"}).status());
  }
  return Status::Ok();
}

Status EosPlatform::DeleteFiles(const std::vector<std::string>& files) const {
  std::vector<std::string> cmds;
  cmds.reserve(files.size());
  for (const auto& f : files) cmds.push_back("delete " + f);
  if (cmds.empty()) return Status::Ok();
  return eapi_.Run(cmds).status();
}

Result<SslProfileConfig> EosPlatform::Import(const CertInstall& c,
                                             std::vector<std::string>& files) const {
  const std::string base = "rotagent-" + Safe(c.profile) + "-" + Safe(c.slot_dir.filename());
  SslProfileConfig to{base + ".crt", base + ".key", {}};
  std::vector<std::string> cmds = {
      "copy file:" + (c.slot_dir / "chain.pem").string() + " certificate:" + to.certificate,
      "copy file:" + (c.slot_dir / "key.pem").string() + " sslkey:" + to.key};
  // EOS trusts one certificate per file: the bundle is split into the work directory first.
  std::vector<fs::path> scratch;
  if (auto trust = ReadFile(c.slot_dir / "trust.pem"); trust.ok()) {
    auto certs = x509::SplitPemCertificates(*trust, "trust bundle of profile " + c.profile);
    if (!certs.ok()) return certs.status();
    ROTAGENT_RETURN_IF_ERROR(MakeDirs(config_.work_dir, 0700));
    for (size_t i = 0; i < certs->size(); ++i) {
      const std::string name = base + "-ca" + std::to_string(i) + ".crt";
      scratch.push_back(config_.work_dir / name);
      ROTAGENT_RETURN_IF_ERROR(WriteFileAtomic(scratch.back(), (*certs)[i], 0644));
      cmds.push_back("copy file:" + scratch.back().string() + " certificate:" + name);
      to.trust.push_back(name);
    }
  }
  files = Files(to);
  Status s = eapi_.Run(cmds).status();
  for (const auto& p : scratch) fs::remove(p);
  if (!s.ok()) {
    (void)DeleteFiles(files);
    return s;
  }
  return to;
}

Status EosPlatform::PointProfile(const std::string& profile,
                                 const std::optional<SslProfileConfig>& from,
                                 const SslProfileConfig& to, const std::string& session,
                                 bool timer) const {
  std::vector<std::string> body = {"management security", "ssl profile " + profile,
                                   "certificate " + to.certificate + " key " + to.key};
  const auto has = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  if (from) {
    for (const auto& t : from->trust) {
      if (!has(to.trust, t)) body.push_back("no trust certificate " + t);
    }
  }
  for (const auto& t : to.trust) {
    if (!from || !has(from->trust, t)) body.push_back("trust certificate " + t);
  }
  ROTAGENT_RETURN_IF_ERROR(Apply(session, body, timer));
  auto running = RunningConfig("management security");
  if (!running.ok()) return running.status();
  auto now = ParseSslProfile(*running, profile);
  if (!now || now->certificate != to.certificate || now->key != to.key) {
    return Internal("eos: ssl profile " + profile + " does not read back as " + to.certificate);
  }
  return Status::Ok();
}

std::optional<EosPlatform::Pending> EosPlatform::Take(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(key);
  if (it == pending_.end()) return std::nullopt;
  Pending p = std::move(it->second);
  pending_.erase(it);
  return p;
}

Status EosPlatform::StageCert(const CertInstall& c) {
  auto running = RunningConfig("management security");
  if (!running.ok()) return running.status();
  const auto from = ParseSslProfile(*running, c.profile);
  Pending p{CertSession(c), {}, {}};
  auto to = Import(c, p.new_files);
  if (!to.ok()) return to.status();
  if (Status s = PointProfile(c.profile, from, *to, p.session, /*timer=*/true); !s.ok()) {
    (void)eapi_.Run({"configure session " + p.session + " abort"});
    (void)DeleteFiles(p.new_files);
    return s;
  }
  if (from) {
    for (const auto& f : Files(*from)) {
      if (f.find(":rotagent-") != std::string::npos &&
          std::find(p.new_files.begin(), p.new_files.end(), f) == p.new_files.end()) {
        p.old_files.push_back(f);
      }
    }
  }
  std::lock_guard lock(mu_);
  pending_["cert:" + c.profile] = std::move(p);
  return Status::Ok();
}

Status EosPlatform::CommitCert(const CertInstall& c) {
  std::optional<Pending> p = Take("cert:" + c.profile);
  if (p) {
    ROTAGENT_RETURN_IF_ERROR(eapi_
                                 .Run({"configure session " + p->session + " commit",
                                       "copy running-config startup-config"})
                                 .status());
    if (Status s = DeleteFiles(p->old_files); !s.ok()) {
      spdlog::warn("eos: profile {} committed; old files stay: {}", c.profile, s.message());
    }
    return Status::Ok();
  }
  // After a restart: confirm the session if EOS still waits on it, else make sure the profile
  // holds this version.
  auto pending = PendingSessions();
  if (!pending.ok()) return pending.status();
  if (pending->count(CertSession(c)) != 0) {
    return eapi_
        .Run({"configure session " + CertSession(c) + " commit",
              "copy running-config startup-config"})
        .status();
  }
  std::vector<std::string> files;
  auto to = Import(c, files);
  if (!to.ok()) return to.status();
  auto running = RunningConfig("management security");
  if (!running.ok()) return running.status();
  const auto from = ParseSslProfile(*running, c.profile);
  if (from && from->certificate == to->certificate) return Status::Ok();
  return PointProfile(c.profile, from, *to, CertSession(c) + "-fwd", /*timer=*/false);
}

Status EosPlatform::RollbackCert(const std::string& profile,
                                 const std::optional<CertInstall>& previous) {
  std::optional<Pending> p = Take("cert:" + profile);
  if (p) {
    ROTAGENT_RETURN_IF_ERROR(eapi_.Run({"configure session " + p->session + " abort"}).status());
    return DeleteFiles(p->new_files);
  }
  ROTAGENT_RETURN_IF_ERROR(AbortStale("rotagent-cert-" + Safe(profile) + "-"));
  if (!previous) return Status::Ok();
  auto running = RunningConfig("management security");
  if (!running.ok()) return running.status();
  const auto from = ParseSslProfile(*running, profile);
  std::vector<std::string> files;
  auto to = Import(*previous, files);
  if (!to.ok()) return to.status();
  if (from && *from == *to) return Status::Ok();
  return PointProfile(profile, from, *to, CertSession(*previous) + "-back", /*timer=*/false);
}

Result<std::string> EosPlatform::CertDrift(const CertInstall& committed) const {
  auto running = RunningConfig("management security");
  if (!running.ok()) return running.status();
  const auto now = ParseSslProfile(*running, committed.profile);
  const std::string want =
      "rotagent-" + Safe(committed.profile) + "-" + Safe(committed.slot_dir.filename()) + ".crt";
  if (!now) return "EOS has no ssl profile " + committed.profile;
  if (now->certificate != want) {
    return "EOS ssl profile " + committed.profile + " uses certificate " + now->certificate +
           ", not " + want;
  }
  return std::string();
}

Status EosPlatform::CheckAccount(const std::string& account) const {
  auto running = RunningConfig("username");
  if (!running.ok()) return running.status();
  if (!HasUser(*running, account)) return NotFound("EOS has no user '" + account + "'");
  return Status::Ok();
}

Result<AccountState> EosPlatform::ReadAccount(const std::string& account) const {
  auto running = RunningConfig("username");
  if (!running.ok()) return running.status();
  AccountState st;
  st.password_hash = ParseUserSecret(*running, account);
  Wipe(*running);
  return st;
}

Status EosPlatform::SetSecret(const std::string& account, const std::string& hash,
                              const std::string& session, bool timer) const {
  ROTAGENT_RETURN_IF_ERROR(
      Apply(session, {"username " + account + " secret sha512 " + hash}, timer));
  auto back = ReadAccount(account);
  if (!back.ok()) return back.status();
  if (back->password_hash != hash) {
    return Internal("eos: the secret of user '" + account + "' does not read back as written");
  }
  return Status::Ok();
}

Status EosPlatform::StageAccount(const std::string& account, const AccountState& state) {
  if (state.authorized_keys || state.authorized_principals) {
    return Status(Code::kUnimplemented,
                  "the EOS adapter rotates passwords only, not authorized keys or principals");
  }
  if (!state.password_hash) {
    return FailedPrecondition("EOS user '" + account + "' would be left without a password");
  }
  if (state.password_hash->rfind("$6$", 0) != 0) {
    return InvalidArgument("EOS takes only sha512-crypt ($6$) secrets; account '" + account +
                           "' was given another kind");
  }
  auto current = ReadAccount(account);
  if (!current.ok()) return current.status();
  if (current->password_hash == state.password_hash) return Status::Ok();
  const std::string session =
      "rotagent-user-" + Safe(account) + "-" + std::to_string(time(nullptr));
  ROTAGENT_RETURN_IF_ERROR(SetSecret(account, *state.password_hash, session, /*timer=*/true));
  std::lock_guard lock(mu_);
  pending_["user:" + account] = {session, {}, {}};
  return Status::Ok();
}

Status EosPlatform::CommitAccount(const std::string& account, const AccountState& state) {
  std::optional<Pending> p = Take("user:" + account);
  if (p) {
    return eapi_
        .Run({"configure session " + p->session + " commit", "copy running-config startup-config"})
        .status();
  }
  // After a restart, or nothing changed: make sure the box holds it.
  ROTAGENT_RETURN_IF_ERROR(AbortStale("rotagent-user-" + Safe(account) + "-"));
  auto current = ReadAccount(account);
  if (!current.ok()) return current.status();
  if (!state.password_hash || current->password_hash == state.password_hash) return Status::Ok();
  return SetSecret(account, *state.password_hash,
                   "rotagent-user-" + Safe(account) + "-fwd-" + std::to_string(time(nullptr)),
                   /*timer=*/false);
}

Status EosPlatform::RestoreAccount(const std::string& account, const AccountState& state) {
  std::optional<Pending> p = Take("user:" + account);
  if (p) return eapi_.Run({"configure session " + p->session + " abort"}).status();
  ROTAGENT_RETURN_IF_ERROR(AbortStale("rotagent-user-" + Safe(account) + "-"));
  auto current = ReadAccount(account);
  if (!current.ok()) return current.status();
  if (!state.password_hash || current->password_hash == state.password_hash) return Status::Ok();
  return SetSecret(account, *state.password_hash,
                   "rotagent-user-" + Safe(account) + "-back-" + std::to_string(time(nullptr)),
                   /*timer=*/false);
}

Result<LoginProbe> EosPlatform::PasswordProbe() const {
  if (eos_.login_proof != "ssh") {
    return Status(Code::kUnimplemented, "platform.eos.login_proof is readback");
  }
  auto pinned = ReadHostKeyFiles(config_.ssh.host_public_keys);
  if (!pinned.ok()) return pinned.status();
  return ProbeAt(config_.ssh, std::move(*pinned));
}

Facts EosPlatform::Describe() const {
  Facts out{.kind = "eos"};
  if (auto v = eapi_.Run({"show version"}); v.ok()) {
    out.model = (*v)[0].value("modelName", "");
    out.os = (*v)[0].value("version", "");
  }
  return out;
}

}  // namespace rotagent::platform::eos
