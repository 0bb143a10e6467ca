#include "agent/credentialz/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <string_view>

#include "agent/credentialz/host_key.h"
#include "agent/credentialz/slots.h"
#include "common/ossl.h"
#include "common/text_field.h"

namespace rotagent::credentialz {
namespace {

using store::Pointer;

// A version is stored, reported over gNMI and logged: present, printable, bounded.
Status CheckVersion(const std::string& what, const std::string& version) {
  if (version.empty()) return InvalidArgument(what + " is empty");
  return CheckTextField(what, version);
}

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

store::EntityMeta Stamped(store::EntityMeta m) {
  m.rotated_at = Now();
  return m;
}

void WipeSlot(store::Slot& s) {
  for (auto& [name, data] : s.files) Wipe(data);
}

// Applies account slots through the platform's account sink. A platform without one never gets
// here (Begin refuses), and holds nothing of the agent's to restore.
class AccountApplier final : public txn::Applier {
 public:
  AccountApplier(platform::Platform& p, store::SlotStore& s) : platform_(p), store_(s) {}
  Status Stage(const std::string& id, const std::string& slot) override {
    return With(id, slot, [&](auto& sink, const auto& st) { return sink.StageAccount(id, st); });
  }
  Status Commit(const std::string& id, const std::string& slot) override {
    return With(id, slot, [&](auto& sink, const auto& st) { return sink.CommitAccount(id, st); });
  }
  Status Restore(const std::string& id, const std::string& slot) override {
    if (slot.empty() || platform_.Accounts() == nullptr) return Status::Ok();
    return With(id, slot, [&](auto& sink, const auto& st) { return sink.RestoreAccount(id, st); });
  }

 private:
  template <typename F>
  Status With(const std::string& id, const std::string& slot, F f) {
    platform::AccountSink* sink = platform_.Accounts();
    if (sink == nullptr) return platform::Missing(platform_, "account", "rotating accounts");
    auto s = store_.Read(id, slot);
    if (!s.ok()) return s.status();
    platform::AccountState st = AccountFromSlot(*s);
    WipeSlot(*s);
    Status r = f(*sink, st);
    if (st.password_hash) Wipe(*st.password_hash);
    return r;
  }
  platform::Platform& platform_;
  store::SlotStore& store_;
};

// Applies the host slot through the platform's SSH-host sink; as above when it has none.
class SshApplier final : public txn::Applier {
 public:
  SshApplier(platform::Platform& p, store::SlotStore& s) : platform_(p), store_(s) {}
  Status Stage(const std::string& id, const std::string& slot) override {
    return With(id, slot, [&](auto& sink, const auto& st) { return sink.StageSshHost(st); });
  }
  Status Commit(const std::string& id, const std::string& slot) override {
    return With(id, slot, [&](auto& sink, const auto& st) { return sink.CommitSshHost(st); });
  }
  Status Restore(const std::string& id, const std::string& slot) override {
    platform::SshHostSink* sink = platform_.SshHost();
    if (sink == nullptr) return Status::Ok();
    if (slot.empty()) return sink->RestoreSshHost(std::nullopt);
    return With(id, slot, [&](auto& s, auto& st) { return s.RestoreSshHost(std::move(st)); });
  }

 private:
  template <typename F>
  Status With(const std::string& id, const std::string& slot, F f) {
    platform::SshHostSink* sink = platform_.SshHost();
    if (sink == nullptr) return platform::Missing(platform_, "SSH host", "managing the SSH server");
    auto s = store_.Read(id, slot);
    if (!s.ok()) return s.status();
    platform::SshHostState st = HostFromSlot(*s);
    WipeSlot(*s);
    return f(*sink, st);  // the host keys are cleansed with `st`
  }
  platform::Platform& platform_;
  store::SlotStore& store_;
};

}  // namespace

Engine::Engine(platform::Platform& platform, store::SlotStore& accounts, store::SlotStore& ssh,
               store::Journal& journal, const txn::Domains& domains, Settings settings)
    : platform_(platform),
      accounts_(accounts),
      ssh_(ssh),
      journal_(journal),
      domains_(domains),
      account_applier_(std::make_unique<AccountApplier>(platform, accounts)),
      ssh_applier_(std::make_unique<SshApplier>(platform, ssh)),
      settings_(std::move(settings)) {}

Engine::~Engine() = default;

Settings Engine::CurrentSettings() const {
  std::lock_guard lock(settings_mu_);
  return settings_;
}

void Engine::UpdateSettings(Settings settings) {
  std::lock_guard lock(settings_mu_);
  settings_ = std::move(settings);
}

Status Engine::Supports(const char* rpc) const {
  if (std::string_view(rpc) == kRotateHostRpc) {
    if (platform_.SshHost() == nullptr) {
      return platform::Missing(platform_, "SSH host", "RotateHostParameters");
    }
  } else if (platform_.Accounts() == nullptr) {
    return platform::Missing(platform_, "account", rpc);
  }
  return Status::Ok();
}

Result<std::unique_ptr<Rotation>> Engine::Begin(const char* rpc, std::function<bool()> open) {
  // What the box cannot do is refused before the admin state or the lock is consulted.
  ROTAGENT_RETURN_IF_ERROR(Supports(rpc));
  auto hold = sessions_.Admit(std::move(open));
  if (!hold.ok()) return hold.status();
  return std::make_unique<Rotation>(*this, std::move(*hold), rpc);
}

Result<std::vector<std::string>> Engine::PublicKeys() const {
  if (auto committed = ssh_.Committed(kHostId)) {
    platform::SshHostState h = HostFromSlot(*committed);
    WipeSlot(*committed);
    std::vector<std::string> out;
    for (const auto& k : h.host_keys) out.push_back(k.public_key);
    if (!out.empty()) return out;
  }
  if (platform_.SshHost() == nullptr) {
    return platform::Missing(platform_, "SSH host", "GetPublicKeys");
  }
  return platform_.SshHost()->NativeHostPublicKeys();
}

Rotation::Rotation(Engine& engine, RotationGate::Hold hold, const char* rpc)
    : engine_(engine),
      session_(std::move(hold), engine.journal_, engine.domains_,
               {"credentialz", std::string("credentialz: ") + rpc,
                std::string("finalize received before any ") + rpc + " change; nothing to commit"}),
      txn_(session_.txn()) {}

Status Rotation::CheckAccount(const std::string& account, const store::EntityMeta& meta,
                              const char* entity, bool force_overwrite,
                              std::vector<std::string>& seen) {
  if (account.empty()) return InvalidArgument(std::string(entity) + " update names no account");
  const Settings settings = engine_.CurrentSettings();
  if (settings.accounts.count(account) == 0) {
    return {Code::kPermissionDenied,
            "account '" + account + "' is not managed by this agent (credentialz.accounts)"};
  }
  ROTAGENT_RETURN_IF_ERROR(engine_.accounts_.CheckId(account));
  ROTAGENT_RETURN_IF_ERROR(engine_.Sink().CheckAccount(account));
  ROTAGENT_RETURN_IF_ERROR(
      CheckVersion(std::string(entity) + " version for account '" + account + "'", meta.version));
  if (std::find(seen.begin(), seen.end(), account) != seen.end()) {
    return InvalidArgument("account '" + account + "' appears twice in one " + entity + " request");
  }
  seen.push_back(account);
  if (force_overwrite || !engine_.accounts_.Exists(account)) return Status::Ok();
  auto slot = txn_.Current(kAccountsDomain, account);
  if (!slot) return Status::Ok();
  auto current = engine_.accounts_.ReadMeta(account, *slot);
  if (current.ok() && current->Meta(entity).version == meta.version) {
    return {Code::kAlreadyExists, "account '" + account + "' already holds " + entity +
                                      " version '" + meta.version +
                                      "'; set force_overwrite to replace it"};
  }
  return Status::Ok();
}

Result<store::Slot> Rotation::CurrentAccount(const std::string& account) {
  store::SlotStore& store = engine_.accounts_;
  // Either change below waits for an earlier rotation's clean-up (Transaction::Ready).
  if (!store.Exists(account)) {
    ROTAGENT_RETURN_IF_ERROR(txn_.Ready());
    ROTAGENT_RETURN_IF_ERROR(store.Create(account));
  }
  auto slot = txn_.Current(kAccountsDomain, account);
  if (!slot) {
    ROTAGENT_RETURN_IF_ERROR(txn_.Ready());
    // First rotation of this account: record what the box holds now, so a rollback can put
    // exactly that back. Nothing on the box changes here.
    auto state = engine_.Sink().ReadAccount(account);
    if (!state.ok()) return state.status();
    store::Slot baseline;
    AccountToSlot(*state, baseline);
    if (state->password_hash) Wipe(*state->password_hash);
    auto name = store.Write(account, baseline);
    WipeSlot(baseline);
    if (!name.ok()) return name.status();
    ROTAGENT_RETURN_IF_ERROR(store.Set(account, Pointer::kLive, *name));
    ROTAGENT_RETURN_IF_ERROR(store.Set(account, Pointer::kCommitted, *name));
    slot = *name;
  }
  return store.Read(account, *slot);
}

Status Rotation::StageAccountFile(const std::string& account, const char* entity,
                                  const std::string& content, const store::EntityMeta& meta) {
  auto slot = CurrentAccount(account);
  if (!slot.ok()) return slot.status();
  slot->files[entity] = content;
  slot->meta[entity] = Stamped(meta);
  Status s = txn_.Stage(kAccountsDomain, account, *slot);
  WipeSlot(*slot);
  return s;
}

Status Rotation::ProvePassword(const PasswordUpdate& u, const std::string& hash) {
  if (u.plaintext) {
    Status login = platform::VerifyPassword(engine_.Sink(), u.account, u.secret.reveal());
    if (login.code() != Code::kUnimplemented) return login;
    // SSH takes no passwords here (console logins still do): check the stored hash instead.
  }
  auto back = engine_.Sink().ReadAccount(u.account);
  if (!back.ok()) return back.status();
  const bool same = back->password_hash == hash &&
                    (!u.plaintext || PasswordMatches(u.secret.reveal(), *back->password_hash));
  if (back->password_hash) Wipe(*back->password_hash);
  return same ? Status::Ok()
              : Internal("the stored hash of account '" + u.account +
                         "' does not read back as written");
}

Status Rotation::SetPasswords(std::vector<PasswordUpdate>& updates, bool force_overwrite) {
  std::vector<Secret> hashes;
  ROTAGENT_RETURN_IF_ERROR(session_.CheckOpen());
  if (updates.empty()) return InvalidArgument("password request lists no accounts");
  std::vector<std::string> seen;
  const HashPolicy policy = engine_.CurrentSettings().hash_policy;
  for (const auto& u : updates) {
    ROTAGENT_RETURN_IF_ERROR(CheckAccount(u.account, u.meta, kPassword, force_overwrite, seen));
    ROTAGENT_RETURN_IF_ERROR(u.plaintext
                                 ? CheckPlaintext(u.secret.reveal(), u.account)
                                 : CheckCryptHash(u.kind, u.secret.reveal(), u.account, policy));
  }
  // The agent's own hashes follow the policy too: sha512crypt when yescrypt is not allowed.
  std::string prefix = engine_.Sink().PasswordHashPrefix();
  if (prefix.empty() && !policy.yescrypt) prefix = "$6$";
  for (const auto& u : updates) {
    auto hash = u.plaintext ? HashPassword(u.secret.reveal(), prefix)
                            : Result<std::string>(u.secret.reveal());
    if (!hash.ok()) return hash.status();
    hashes.emplace_back(std::move(*hash));
  }
  for (size_t i = 0; i < updates.size(); ++i) {
    ROTAGENT_RETURN_IF_ERROR(
        StageAccountFile(updates[i].account, kPassword, hashes[i].reveal(), updates[i].meta));
  }
  // Proof before the answer: a real login with the plaintext, or the hash read back.
  for (size_t i = 0; i < updates.size(); ++i) {
    if (Status proof = ProvePassword(updates[i], hashes[i].reveal()); !proof.ok()) {
      txn_.Rollback("the new password did not prove itself: " + proof.message());
      return Status(Code::kFailedPrecondition, proof.message())
          .WithContext(
              "the new password did not prove itself; every change of this stream was "
              "rolled back");
    }
  }
  spdlog::info("credentialz: new password staged and proven for {} account(s)", updates.size());
  return Status::Ok();
}

template <typename Update, typename Render>
Status Rotation::SetAccountFiles(const std::vector<Update>& updates, bool force_overwrite,
                                 const char* entity, Render render) {
  ROTAGENT_RETURN_IF_ERROR(session_.CheckOpen());
  if (updates.empty()) return InvalidArgument(std::string(entity) + " request lists no accounts");
  std::vector<std::string> seen, rendered;
  for (const auto& u : updates) {
    ROTAGENT_RETURN_IF_ERROR(CheckAccount(u.account, u.meta, entity, force_overwrite, seen));
    auto text = render(u);
    if (!text.ok()) return text.status();
    rendered.push_back(std::move(*text));
  }
  for (size_t i = 0; i < updates.size(); ++i) {
    ROTAGENT_RETURN_IF_ERROR(
        StageAccountFile(updates[i].account, entity, rendered[i], updates[i].meta));
  }
  return Status::Ok();
}

Status Rotation::SetAuthorizedKeys(const std::vector<KeysUpdate>& updates, bool force_overwrite) {
  return SetAccountFiles(updates, force_overwrite, kAuthorizedKeys, [](const KeysUpdate& u) {
    return RenderAuthorizedKeys(u.keys, u.account);
  });
}

Status Rotation::SetPrincipals(const std::vector<PrincipalsUpdate>& updates, bool force_overwrite) {
  return SetAccountFiles(
      updates, force_overwrite, kAuthorizedPrincipals,
      [](const PrincipalsUpdate& u) { return RenderPrincipals(u.principals, u.account); });
}

Result<store::Slot> Rotation::CurrentHost() {
  store::SlotStore& store = engine_.ssh_;
  if (!store.Exists(kHostId)) {
    ROTAGENT_RETURN_IF_ERROR(txn_.Ready());  // as CurrentAccount's changes
    ROTAGENT_RETURN_IF_ERROR(store.Create(kHostId));
  }
  auto slot = txn_.Current(kSshDomain, kHostId);
  if (!slot) return store::Slot{};  // nothing managed yet: sshd runs on the box's own config
  return store.Read(kHostId, *slot);
}

Status Rotation::ModifyHost(const std::function<void(platform::SshHostState&)>& change,
                            const char* entity, const store::EntityMeta* meta) {
  ROTAGENT_RETURN_IF_ERROR(session_.CheckOpen());
  auto slot = CurrentHost();
  if (!slot.ok()) return slot.status();
  platform::SshHostState h = HostFromSlot(*slot);
  change(h);
  HostToSlot(h, *slot);
  if (meta != nullptr) slot->meta[entity] = Stamped(*meta);
  Status s = txn_.Stage(kSshDomain, kHostId, *slot);
  WipeSlot(*slot);
  return s;
}

Status Rotation::SetCaKeys(const std::vector<PublicKey>& keys, const store::EntityMeta& meta) {
  ROTAGENT_RETURN_IF_ERROR(CheckVersion("ssh_ca_public_key version", meta.version));
  std::string lines;
  for (const auto& k : keys) lines += k.Line() + "\n";
  return ModifyHost([&](auto& h) { h.trusted_user_ca_keys = lines; }, kCaKeys, &meta);
}

Status Rotation::ReplaceHostKeys(std::vector<platform::HostKey> keys,
                                 const store::EntityMeta& meta) {
  return ModifyHost([&](auto& h) { h.host_keys = std::move(keys); }, kHostKeys, &meta);
}

Status Rotation::SetServerKeys(std::vector<HostKeyUpload>& uploads, const store::EntityMeta& meta) {
  ROTAGENT_RETURN_IF_ERROR(CheckVersion("server_keys version", meta.version));
  if (uploads.empty()) {
    return InvalidArgument("server_keys lists no auth_artifacts; sshd would have no host key");
  }
  std::vector<platform::HostKey> keys;
  for (size_t i = 0; i < uploads.size(); ++i) {
    auto k = ImportHostKey(uploads[i].private_key.reveal(), uploads[i].certificate,
                           "auth_artifacts[" + std::to_string(i) + "]");
    if (!k.ok()) return k.status();
    keys.push_back(std::move(*k));
  }
  return ReplaceHostKeys(std::move(keys), meta);
}

Result<std::vector<std::string>> Rotation::GenerateKeys(const std::vector<KeyKind>& kinds,
                                                        const store::EntityMeta& meta) {
  ROTAGENT_RETURN_IF_ERROR(CheckVersion("generate_keys version", meta.version));
  if (kinds.empty()) return InvalidArgument("generate_keys lists no key_params");
  std::vector<platform::HostKey> keys;
  std::vector<std::string> publics;
  for (KeyKind kind : kinds) {
    auto k = GenerateHostKey(kind);
    if (!k.ok()) return k.status();
    publics.push_back(k->public_key);
    keys.push_back(std::move(*k));
  }
  ROTAGENT_RETURN_IF_ERROR(ReplaceHostKeys(std::move(keys), meta));
  return publics;
}

Status Rotation::SetAuthMethods(const std::vector<std::string>& methods) {
  if (methods.empty()) {
    return InvalidArgument(
        "authentication_allowed lists no authentication type; every SSH login would be refused");
  }
  return ModifyHost([&](auto& h) { h.auth_methods = methods; }, "auth_methods", nullptr);
}

Status Rotation::SetPrincipalCheck(const std::optional<std::string>& tool) {
  return ModifyHost([&](auto& h) { h.principal_check = tool; }, "principal_check", nullptr);
}

}  // namespace rotagent::credentialz
