#include "agent/credentialz/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

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

class AccountApplier final : public txn::Applier {
 public:
  AccountApplier(platform::Platform& p, store::SlotStore& s) : platform_(p), store_(s) {}
  Status Stage(const std::string& id, const std::string& slot) override {
    return With(id, slot, [&](const auto& st) { return platform_.StageAccount(id, st); });
  }
  Status Commit(const std::string& id, const std::string& slot) override {
    return With(id, slot, [&](const auto& st) { return platform_.CommitAccount(id, st); });
  }
  Status Restore(const std::string& id, const std::string& slot) override {
    if (slot.empty()) return Status::Ok();  // never held anything the agent wrote
    return With(id, slot, [&](const auto& st) { return platform_.RestoreAccount(id, st); });
  }

 private:
  template <typename F>
  Status With(const std::string& id, const std::string& slot, F f) {
    auto s = store_.Read(id, slot);
    if (!s.ok()) return s.status();
    platform::AccountState st = AccountFromSlot(*s);
    WipeSlot(*s);
    Status r = f(st);
    if (st.password_hash) Wipe(*st.password_hash);
    return r;
  }
  platform::Platform& platform_;
  store::SlotStore& store_;
};

class SshApplier final : public txn::Applier {
 public:
  SshApplier(platform::Platform& p, store::SlotStore& s) : platform_(p), store_(s) {}
  Status Stage(const std::string& id, const std::string& slot) override {
    return With(id, slot, [&](const auto& st) { return platform_.StageSshHost(st); });
  }
  Status Commit(const std::string& id, const std::string& slot) override {
    return With(id, slot, [&](const auto& st) { return platform_.CommitSshHost(st); });
  }
  Status Restore(const std::string& id, const std::string& slot) override {
    if (slot.empty()) return platform_.RestoreSshHost(std::nullopt);
    return With(id, slot, [&](const auto& st) { return platform_.RestoreSshHost(st); });
  }

 private:
  template <typename F>
  Status With(const std::string& id, const std::string& slot, F f) {
    auto s = store_.Read(id, slot);
    if (!s.ok()) return s.status();
    platform::SshHostState st = HostFromSlot(*s);
    WipeSlot(*s);
    Status r = f(st);
    for (auto& k : st.host_keys) Wipe(k.private_key);
    return r;
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

Result<std::unique_ptr<Rotation>> Engine::Begin(const char* rpc, std::function<bool()> open) {
  ROTAGENT_RETURN_IF_ERROR(admit_());
  auto hold = gate_.Enter(std::move(open),
                          "another credentialz Rotate (account or host) is in progress; one at a "
                          "time");
  if (!hold.ok()) return hold.status();
  return std::make_unique<Rotation>(*this, std::move(*hold), rpc);
}

Result<std::vector<std::string>> Engine::PublicKeys() const {
  if (auto committed = ssh_.Committed(kHostId)) {
    platform::SshHostState h = HostFromSlot(*committed);
    WipeSlot(*committed);
    std::vector<std::string> out;
    for (auto& k : h.host_keys) {
      out.push_back(k.public_key);
      Wipe(k.private_key);
    }
    if (!out.empty()) return out;
  }
  return platform_.NativeHostPublicKeys();
}

Rotation::Rotation(Engine& engine, RotationGate::Hold hold, const char* rpc)
    : engine_(engine),
      hold_(std::move(hold)),
      txn_(engine.journal_, engine.domains_, "credentialz"),
      rpc_(rpc) {}

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
  ROTAGENT_RETURN_IF_ERROR(engine_.platform_.CheckAccount(account));
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
  if (!store.Exists(account)) ROTAGENT_RETURN_IF_ERROR(store.Create(account));
  auto slot = txn_.Current(kAccountsDomain, account);
  if (!slot) {
    // First rotation of this account: record what the box holds now, so a rollback can put
    // exactly that back. Nothing on the box changes here.
    auto state = engine_.platform_.ReadAccount(account);
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
    Status login = engine_.platform_.VerifyPassword(u.account, u.secret);
    if (login.code() != Code::kUnimplemented) return login;
    // SSH takes no passwords here (console logins still do): check the stored hash instead.
  }
  auto back = engine_.platform_.ReadAccount(u.account);
  if (!back.ok()) return back.status();
  const bool same = back->password_hash == hash &&
                    (!u.plaintext || PasswordMatches(u.secret, *back->password_hash));
  if (back->password_hash) Wipe(*back->password_hash);
  return same ? Status::Ok()
              : Internal("the stored hash of account '" + u.account +
                         "' does not read back as written");
}

Status Rotation::SetPasswords(std::vector<PasswordUpdate>& updates, bool force_overwrite) {
  struct WipeAll {
    std::vector<PasswordUpdate>& u;
    std::vector<std::string> hashes;
    ~WipeAll() {
      for (auto& p : u) Wipe(p.secret);
      for (auto& h : hashes) Wipe(h);
    }
  } wipe{updates, {}};
  if (txn_.finished()) return FailedPrecondition("the rotation has already finished");
  if (updates.empty()) return InvalidArgument("password request lists no accounts");
  std::vector<std::string> seen;
  const HashPolicy policy = engine_.CurrentSettings().hash_policy;
  for (const auto& u : updates) {
    ROTAGENT_RETURN_IF_ERROR(CheckAccount(u.account, u.meta, kPassword, force_overwrite, seen));
    ROTAGENT_RETURN_IF_ERROR(u.plaintext ? CheckPlaintext(u.secret, u.account)
                                         : CheckCryptHash(u.kind, u.secret, u.account, policy));
  }
  // The agent's own hashes follow the policy too: sha512crypt when yescrypt is not allowed.
  std::string prefix = engine_.platform_.PasswordHashPrefix();
  if (prefix.empty() && !policy.yescrypt) prefix = "$6$";
  for (const auto& u : updates) {
    auto hash = u.plaintext ? HashPassword(u.secret, prefix) : Result<std::string>(u.secret);
    if (!hash.ok()) return hash.status();
    wipe.hashes.push_back(std::move(*hash));
  }
  for (size_t i = 0; i < updates.size(); ++i) {
    ROTAGENT_RETURN_IF_ERROR(
        StageAccountFile(updates[i].account, kPassword, wipe.hashes[i], updates[i].meta));
  }
  // Proof before the answer: a real login with the plaintext, or the hash read back.
  for (size_t i = 0; i < updates.size(); ++i) {
    if (Status proof = ProvePassword(updates[i], wipe.hashes[i]); !proof.ok()) {
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
  if (txn_.finished()) return FailedPrecondition("the rotation has already finished");
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
  if (!store.Exists(kHostId)) ROTAGENT_RETURN_IF_ERROR(store.Create(kHostId));
  auto slot = txn_.Current(kSshDomain, kHostId);
  if (!slot) return store::Slot{};  // nothing managed yet: sshd runs on the box's own config
  return store.Read(kHostId, *slot);
}

Status Rotation::ModifyHost(const std::function<void(platform::SshHostState&)>& change,
                            const char* entity, const store::EntityMeta* meta) {
  if (txn_.finished()) return FailedPrecondition("the rotation has already finished");
  auto slot = CurrentHost();
  if (!slot.ok()) return slot.status();
  platform::SshHostState h = HostFromSlot(*slot);
  change(h);
  HostToSlot(h, *slot);
  for (auto& k : h.host_keys) Wipe(k.private_key);
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
  Status s = ModifyHost(
      [&](auto& h) {
        for (auto& k : h.host_keys) Wipe(k.private_key);
        h.host_keys = std::move(keys);
      },
      kHostKeys, &meta);
  for (auto& k : keys) Wipe(k.private_key);  // still here if ModifyHost stopped early
  return s;
}

Status Rotation::SetServerKeys(std::vector<HostKeyUpload>& uploads, const store::EntityMeta& meta) {
  struct WipeUploads {
    std::vector<HostKeyUpload>& u;
    ~WipeUploads() {
      for (auto& k : u) Wipe(k.private_key);
    }
  } wipe{uploads};
  ROTAGENT_RETURN_IF_ERROR(CheckVersion("server_keys version", meta.version));
  if (uploads.empty()) {
    return InvalidArgument("server_keys lists no auth_artifacts; sshd would have no host key");
  }
  std::vector<platform::HostKey> keys;
  for (size_t i = 0; i < uploads.size(); ++i) {
    auto k = ImportHostKey(uploads[i].private_key, uploads[i].certificate,
                           "auth_artifacts[" + std::to_string(i) + "]");
    if (!k.ok()) {
      for (auto& done : keys) Wipe(done.private_key);
      return k.status();
    }
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

Status Rotation::Finalize() {
  if (txn_.finished()) return FailedPrecondition("the rotation has already finished");
  if (!staged()) {
    return FailedPrecondition(std::string("finalize received before any ") + rpc_ +
                              " change; nothing to commit");
  }
  Status s = txn_.Commit();
  if (s.ok()) spdlog::info("credentialz: {} committed", rpc_);
  return s;
}

}  // namespace rotagent::credentialz
