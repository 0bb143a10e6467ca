#include "platform/eos/eos_platform.h"

#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "common/atomic_file.h"
#include "common/ossl.h"
#include "common/x509.h"
#include "platform/eos/listener_probe.h"
#include "platform/eos/session_record.h"
#include "platform/eos/session_state.h"
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

std::string FileBase(const CertInstall& c) {
  return "rotagent-" + Safe(c.profile) + "-" + Safe(c.slot_dir.filename().string());
}

// A digest naming a hash in the session record, which must hold no secret.
std::string HashFingerprint(const std::string& hash) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(hash.data()), hash.size(), md);
  std::string hex;
  for (size_t i = 0; i < 8; ++i) {
    static const char* digits = "0123456789abcdef";
    hex += digits[md[i] >> 4];
    hex += digits[md[i] & 15];
  }
  return "sha256:" + hex;
}

std::vector<std::string> Files(const SslProfileConfig& p) {
  std::vector<std::string> out;
  if (!p.certificate.empty()) out.push_back("certificate:" + p.certificate);
  if (!p.key.empty()) out.push_back("sslkey:" + p.key);
  for (const auto* list : {&p.chain, &p.trust}) {
    for (const auto& t : *list) out.push_back("certificate:" + t);
  }
  return out;
}

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The session lines that repoint `profile` from `from` to `to`. Only the agent's own chain and
// trust lines are removed: the built-in `trust certificate system` and an operator's lines stay.
std::vector<std::string> ProfileBody(const std::string& profile,
                                     const std::optional<SslProfileConfig>& from,
                                     const SslProfileConfig& to) {
  std::vector<std::string> body = {"management security", "ssl profile " + profile,
                                   "certificate " + to.certificate + " key " + to.key};
  for (auto [word, want, have] : {std::tuple{"chain", &to.chain, from ? &from->chain : nullptr},
                                  std::tuple{"trust", &to.trust, from ? &from->trust : nullptr}}) {
    if (have != nullptr) {
      for (const auto& t : *have) {
        if (AgentOwned(t) && !Has(*want, t))
          body.push_back(std::string("no ") + word + " certificate " + t);
      }
    }
    for (const auto& t : *want) {
      if (have == nullptr || !Has(*have, t))
        body.push_back(std::string(word) + " certificate " + t);
    }
  }
  body.emplace_back("exit");
  body.emplace_back("exit");
  return body;
}

}  // namespace

EosPlatform::EosPlatform(PlatformConfig config)
    : config_(std::move(config)), eos_(config_.OptionsOf<EosConfig>("eos")), eapi_(eos_) {}

fs::path EosPlatform::RecordFile() const { return config_.work_dir / "eos-pending-session.json"; }

std::string EosPlatform::NewSession(const std::string& group) {
  return "rotagent-" + group + "-" + std::to_string(time(nullptr)) + "-" +
         std::to_string(++sessions_made_);
}

Result<std::string> EosPlatform::RunningConfig(const std::string& section) const {
  return eapi_.Text("show running-config section " + section);
}

Result<std::optional<std::string>> EosPlatform::PendingTimer() const {
  auto r = eapi_.Run({"show configuration sessions detail"});
  if (!r.ok()) return r.status();
  return PendingTimerSession((*r)[0]);
}

Status EosPlatform::AbortSession(const std::string& session) const {
  return eapi_.Run({"configure session " + session + " abort"}).status();
}

Status EosPlatform::Apply(const std::string& session, const std::vector<std::string>& body,
                          bool timer) const {
  std::vector<std::string> cmds = {"configure session " + session};
  cmds.insert(cmds.end(), body.begin(), body.end());
  cmds.push_back(timer ? "commit timer " + TimerText(eos_.commit_timer_seconds) : "commit");
  auto r = eapi_.Run(cmds);
  if (!r.ok()) {
    (void)AbortSession(session);  // a session left open by the failure goes
    return r.status();
  }
  return Status::Ok();
}

void EosPlatform::DeleteFiles(const std::vector<std::string>& files) const {
  for (const auto& f : files) {
    if (Status s = eapi_.Run({"delete " + f}).status(); !s.ok()) {
      spdlog::warn("eos: {} stays: {}", f, s.message());
    }
  }
}

Status EosPlatform::ResolveRecorded(const std::string& key, const std::string& fingerprint) {
  auto record = ReadSessionRecord(RecordFile());
  if (!record.ok()) return record.status();
  if (!*record) return Status::Ok();
  const SessionRecord& r = **record;
  auto pending = PendingTimer();
  if (!pending.ok()) return pending.status();
  if (*pending == r.session) {
    const auto m = r.members.find(key);
    if (!key.empty() && m != r.members.end() && m->second == fingerprint) {
      spdlog::info("eos: confirming session {} recorded by an earlier run", r.session);
      ROTAGENT_RETURN_IF_ERROR(eapi_
                                   .Run({"configure session " + r.session + " commit",
                                         "copy running-config startup-config"})
                                   .status());
    } else {
      spdlog::info("eos: aborting session {} recorded by an earlier run", r.session);
      ROTAGENT_RETURN_IF_ERROR(AbortSession(r.session));
    }
  }
  return RemoveSessionRecord(RecordFile());
}

Status EosPlatform::Stage(const std::string& key, const std::string& group,
                          const std::function<Result<Change>()>& make,
                          const std::function<Status(const Change&)>& verify) {
  std::lock_guard lock(mu_);
  if (txn_ && txn_->group != group) {
    return Status(Code::kAborted,
                  "EOS holds one change under a commit timer at a time, and the agent's " +
                      std::string(txn_->group == "cert" ? "certz" : "credentialz") +
                      " rotation (session " + txn_->session +
                      ") is waiting to be finalized; retry when it ends");
  }
  if (!txn_) ROTAGENT_RETURN_IF_ERROR(ResolveRecorded("", ""));
  auto pending = PendingTimer();
  if (!pending.ok()) return pending.status();
  const std::string ours = txn_ ? txn_->session : "";
  if (*pending && **pending != ours) {
    return Unavailable("EOS session '" + **pending +
                       "' (not this agent's) is waiting on its commit timer and EOS allows one; "
                       "retry once it is confirmed or rolled back");
  }
  if (!ours.empty()) {
    // The transaction's earlier changes are re-staged below together with this one.
    ROTAGENT_RETURN_IF_ERROR(AbortSession(ours));
    txn_->session.clear();
    ROTAGENT_RETURN_IF_ERROR(RemoveSessionRecord(RecordFile()));
  }
  if (!txn_) txn_ = Txn{group, "", {}};
  auto change = make();
  if (!change.ok()) {
    if (txn_->changes.empty()) txn_.reset();
    return change.status();
  }
  std::vector<std::string> replaced_files;
  auto& changes = txn_->changes;
  for (auto it = changes.begin(); it != changes.end(); ++it) {
    if (it->first == key) {  // the same item staged again: the new candidate replaces it
      replaced_files = it->second.new_files;
      changes.erase(it);
      break;
    }
  }
  SessionRecord record{NewSession(group), group, {}};
  std::vector<std::string> body;
  for (const auto& [k, c] : changes) {
    body.insert(body.end(), c.body.begin(), c.body.end());
    record.members[k] = c.fingerprint;
  }
  body.insert(body.end(), change->body.begin(), change->body.end());
  record.members[key] = change->fingerprint;
  // Durable before the timer starts: after a crash the next run finds the session by name.
  ROTAGENT_RETURN_IF_ERROR(WriteSessionRecord(RecordFile(), record));
  Status s = Apply(record.session, body, /*timer=*/true);
  if (s.ok()) {
    txn_->session = record.session;
    s = verify(*change);
    if (!s.ok()) {
      (void)AbortSession(record.session);
      txn_->session.clear();
    }
  }
  if (!s.ok()) {
    (void)RemoveSessionRecord(RecordFile());
    DeleteFiles(change->new_files);
    if (changes.empty()) txn_.reset();  // nothing of this transaction is staged
    return s;
  }
  changes.emplace_back(key, std::move(*change));
  DeleteFiles(replaced_files);
  return Status::Ok();
}

Status EosPlatform::Commit(const std::string& key, const std::string& fingerprint,
                           const std::function<Status()>& ensure) {
  std::lock_guard lock(mu_);
  if (txn_) {
    auto it = std::find_if(txn_->changes.begin(), txn_->changes.end(),
                           [&](const auto& c) { return c.first == key; });
    if (it != txn_->changes.end()) {
      it->second.open = false;
      // The session is confirmed with the transaction's last change, all changes together.
      if (std::any_of(txn_->changes.begin(), txn_->changes.end(),
                      [](const auto& c) { return c.second.open; })) {
        return Status::Ok();
      }
      if (!txn_->session.empty()) {
        ROTAGENT_RETURN_IF_ERROR(eapi_
                                     .Run({"configure session " + txn_->session + " commit",
                                           "copy running-config startup-config"})
                                     .status());
      }
      (void)RemoveSessionRecord(RecordFile());
      for (const auto& [k, c] : txn_->changes) DeleteFiles(c.old_files);
      txn_.reset();
      return Status::Ok();
    }
  } else {
    ROTAGENT_RETURN_IF_ERROR(ResolveRecorded(key, fingerprint));
  }
  return ensure();
}

Status EosPlatform::Restore(const std::string& key, const std::string& fingerprint,
                            const std::function<Status()>& ensure) {
  std::lock_guard lock(mu_);
  if (txn_) {
    auto it = std::find_if(txn_->changes.begin(), txn_->changes.end(),
                           [&](const auto& c) { return c.first == key; });
    if (it != txn_->changes.end() || txn_->changes.empty()) {
      if (!txn_->session.empty()) {
        // Puts back the running-config from before the session: every change of the
        // transaction goes together.
        ROTAGENT_RETURN_IF_ERROR(AbortSession(txn_->session));
        txn_->session.clear();
        (void)RemoveSessionRecord(RecordFile());
      }
      if (it != txn_->changes.end()) {
        DeleteFiles(it->second.new_files);
        it->second.new_files.clear();
        it->second.open = false;
      }
      if (std::none_of(txn_->changes.begin(), txn_->changes.end(),
                       [](const auto& c) { return c.second.open; })) {
        txn_.reset();
      }
    }
  } else {
    ROTAGENT_RETURN_IF_ERROR(ResolveRecorded(key, fingerprint));
  }
  return ensure();
}

Result<SslProfileConfig> EosPlatform::Import(const CertInstall& c,
                                             std::vector<std::string>& files) const {
  const std::string base = FileBase(c);
  auto chain = ReadFile(c.slot_dir / "chain.pem");
  if (!chain.ok()) return chain.status();
  auto certs = x509::SplitPemCertificates(*chain, "certificate chain of profile " + c.profile);
  if (!certs.ok()) return certs.status();
  if (certs->empty()) return InvalidArgument("the chain of profile " + c.profile + " is empty");
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(config_.work_dir, 0700));
  SslProfileConfig to{base + ".crt", base + ".key", {}, {}};
  std::vector<fs::path> scratch;
  std::vector<std::string> cmds;
  // EOS holds one certificate per file: the leaf is the profile's certificate, each
  // intermediate a `chain certificate`, each CA of the bundle a `trust certificate`.
  const auto add = [&](const std::string& name, const std::string& pem) -> Status {
    scratch.push_back(config_.work_dir / name);
    ROTAGENT_RETURN_IF_ERROR(WriteFileAtomic(scratch.back(), pem, 0644));
    cmds.push_back("copy file:" + scratch.back().string() + " certificate:" + name);
    return Status::Ok();
  };
  Status s = add(to.certificate, (*certs)[0]);
  for (size_t i = 1; s.ok() && i < certs->size(); ++i) {
    to.chain.push_back(base + "-chain" + std::to_string(i) + ".crt");
    s = add(to.chain.back(), (*certs)[i]);
  }
  if (auto trust = ReadFile(c.slot_dir / "trust.pem"); s.ok() && trust.ok()) {
    auto cas = x509::SplitPemCertificates(*trust, "trust bundle of profile " + c.profile);
    if (!cas.ok()) s = cas.status();
    for (size_t i = 0; s.ok() && i < cas->size(); ++i) {
      to.trust.push_back(base + "-ca" + std::to_string(i) + ".crt");
      s = add(to.trust.back(), (*cas)[i]);
    }
  }
  cmds.push_back("copy file:" + (c.slot_dir / "key.pem").string() + " sslkey:" + to.key);
  files = Files(to);
  if (s.ok()) s = eapi_.Run(cmds).status();
  for (const auto& p : scratch) fs::remove(p);
  if (!s.ok()) {
    DeleteFiles(files);
    return s;
  }
  return to;
}

Result<EosPlatform::Change> EosPlatform::CertChange(const CertInstall& c) const {
  auto running = RunningConfig("management security");
  if (!running.ok()) return running.status();
  const auto from = ParseSslProfile(*running, c.profile);
  Change change;
  auto to = Import(c, change.new_files);
  if (!to.ok()) return to.status();
  change.body = ProfileBody(c.profile, from, *to);
  change.fingerprint = to->certificate;
  if (from) {
    for (const auto& f : Files(*from)) {
      if (f.find(":rotagent-") != std::string::npos && !Has(change.new_files, f)) {
        change.old_files.push_back(f);
      }
    }
  }
  return change;
}

Status EosPlatform::VerifyCert(const CertInstall& c) const {
  auto running = RunningConfig("management security");
  if (!running.ok()) return running.status();
  const auto now = ParseSslProfile(*running, c.profile);
  const std::string want = FileBase(c) + ".crt";
  if (!now || now->certificate != want) {
    return Internal("eos: ssl profile " + c.profile + " does not read back as " + want);
  }
  // EOS accepts a certificate that does not match its key and marks the profile invalid.
  auto status = eapi_.Run({"show management security ssl profile " + c.profile});
  if (!status.ok()) return status.status();
  auto validity = SslProfileValidity((*status)[0], c.profile);
  if (!validity.ok()) return validity.status();
  if (!validity->valid) {
    return FailedPrecondition("EOS reports ssl profile " + c.profile +
                              " invalid with the new certificate: " + validity->errors);
  }
  if (auto l = eos_.listeners.find(c.profile); l != eos_.listeners.end()) {
    auto chain = ReadFile(c.slot_dir / "chain.pem");
    if (!chain.ok()) return chain.status();
    ROTAGENT_RETURN_IF_ERROR(
        ProbeListener(l->second, *chain, eos_.timeout_seconds)
            .WithContext("ssl profile " + c.profile + " on listener " + l->second));
  }
  return Status::Ok();
}

Status EosPlatform::EnsureCert(const std::string& profile,
                               const std::optional<CertInstall>& c) const {
  if (!c) return Status::Ok();  // the profile held nothing the agent wrote
  auto running = RunningConfig("management security");
  if (!running.ok()) return running.status();
  const auto from = ParseSslProfile(*running, profile);
  if (from && from->certificate == FileBase(*c) + ".crt") return Status::Ok();
  std::vector<std::string> files;
  auto to = Import(*c, files);
  if (!to.ok()) return to.status();
  ROTAGENT_RETURN_IF_ERROR(
      Apply("rotagent-fix-" + Safe(profile) + "-" + std::to_string(time(nullptr)),
            ProfileBody(profile, from, *to), /*timer=*/false));
  return VerifyCert(*c);
}

Status EosPlatform::StageCert(const CertInstall& c) {
  return Stage(
      "cert:" + c.profile, "cert", [&] { return CertChange(c); },
      [&](const Change&) { return VerifyCert(c); });
}

Status EosPlatform::CommitCert(const CertInstall& c) {
  return Commit("cert:" + c.profile, FileBase(c) + ".crt",
                [&] { return EnsureCert(c.profile, c); });
}

Status EosPlatform::RollbackCert(const std::string& profile,
                                 const std::optional<CertInstall>& previous) {
  return Restore("cert:" + profile, previous ? FileBase(*previous) + ".crt" : "",
                 [&] { return EnsureCert(profile, previous); });
}

Result<std::string> EosPlatform::CertDrift(const CertInstall& committed) const {
  auto running = RunningConfig("management security");
  if (!running.ok()) return running.status();
  const auto now = ParseSslProfile(*running, committed.profile);
  const std::string want = FileBase(committed) + ".crt";
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
  const bool has = HasUser(*running, account);
  Wipe(*running);
  if (!has) return NotFound("EOS has no user '" + account + "'");
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

Status EosPlatform::VerifySecret(const std::string& account, const std::string& hash) const {
  auto back = ReadAccount(account);
  if (!back.ok()) return back.status();
  const bool same = back->password_hash == hash;
  if (back->password_hash) Wipe(*back->password_hash);
  if (!same) {
    return Internal("eos: the secret of user '" + account + "' does not read back as written");
  }
  return Status::Ok();
}

Status EosPlatform::EnsureSecret(const std::string& account, const AccountState& state) const {
  if (!state.password_hash) return Status::Ok();
  if (VerifySecret(account, *state.password_hash).ok()) return Status::Ok();
  ROTAGENT_RETURN_IF_ERROR(
      Apply("rotagent-fix-user-" + Safe(account) + "-" + std::to_string(time(nullptr)),
            {"username " + account + " secret sha512 " + *state.password_hash}, /*timer=*/false));
  return VerifySecret(account, *state.password_hash);
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
  const std::string hash = *state.password_hash;
  return Stage(
      "user:" + account, "user",
      [&]() -> Result<Change> {
        Change c;
        c.body = {"username " + account + " secret sha512 " + hash};
        c.fingerprint = HashFingerprint(hash);
        return c;
      },
      [&](const Change&) { return VerifySecret(account, hash); });
}

Status EosPlatform::CommitAccount(const std::string& account, const AccountState& state) {
  return Commit("user:" + account, state.password_hash ? HashFingerprint(*state.password_hash) : "",
                [&] { return EnsureSecret(account, state); });
}

Status EosPlatform::RestoreAccount(const std::string& account, const AccountState& state) {
  return Restore("user:" + account,
                 state.password_hash ? HashFingerprint(*state.password_hash) : "",
                 [&] { return EnsureSecret(account, state); });
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
