// The credentialz engine: validates account and SSH host updates, runs them through the shared
// transaction (one credentialz Rotate at a time, across both RPCs), proves passwords before
// answering, and applies account and host slots to the box through the platform.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/credentialz/password.h"
#include "agent/credentialz/ssh_key.h"
#include "agent/rotation_gate.h"
#include "agent/rotation_session.h"
#include "agent/store/entity_meta.h"
#include "agent/store/journal.h"
#include "agent/txn/transaction.h"
#include "common/secret.h"
#include "platform/platform.h"

namespace rotagent::credentialz {

inline constexpr const char* kAccountsDomain = "accounts";
inline constexpr const char* kSshDomain = "ssh";
inline constexpr const char* kHostId = "host";
// The RPC that needs the platform's SSH-host capability; every other Rotate needs accounts.
inline constexpr const char* kRotateHostRpc = "RotateHostParameters";

struct Settings {
  std::map<std::string, std::string> accounts;  // managed account -> role
  HashPolicy hash_policy;
};

struct PasswordUpdate {
  std::string account;
  bool plaintext = false;  // `secret` is plaintext (true) or a crypt hash
  Secret secret;
  HashKind kind = HashKind::kAny;
  store::EntityMeta meta;
};

struct KeysUpdate {
  std::string account;
  std::vector<AuthorizedKey> keys;
  store::EntityMeta meta;
};

struct PrincipalsUpdate {
  std::string account;
  std::vector<Principal> principals;
  store::EntityMeta meta;
};

struct HostKeyUpload {
  Secret private_key;
  std::string certificate;
};

class Engine;

// One Rotate stream's work, inside the shared rotation session. Destroying it before Finalize
// rolls back everything it staged.
class Rotation {
 public:
  Rotation(Engine& engine, RotationGate::Hold hold, const char* rpc);
  Rotation(const Rotation&) = delete;
  Rotation& operator=(const Rotation&) = delete;

  // Every update is validated before anything changes; then all are staged together.
  Status SetPasswords(std::vector<PasswordUpdate>& updates, bool force_overwrite);
  Status SetAuthorizedKeys(const std::vector<KeysUpdate>& updates, bool force_overwrite);
  Status SetPrincipals(const std::vector<PrincipalsUpdate>& updates, bool force_overwrite);

  Status SetCaKeys(const std::vector<PublicKey>& keys, const store::EntityMeta& meta);
  Status SetServerKeys(std::vector<HostKeyUpload>& uploads, const store::EntityMeta& meta);
  // Returns the generated keys' public halves (OpenSSH lines).
  Result<std::vector<std::string>> GenerateKeys(const std::vector<KeyKind>& kinds,
                                                const store::EntityMeta& meta);
  Status SetAuthMethods(const std::vector<std::string>& methods);
  Status SetPrincipalCheck(const std::optional<std::string>& tool);

  RotationSession& session() { return session_; }
  Status Finalize() { return session_.Finalize(); }
  void Rollback(const std::string& reason) { session_.Rollback(reason); }
  bool staged() const { return session_.staged(); }

 private:
  Status CheckAccount(const std::string& account, const store::EntityMeta& meta, const char* entity,
                      bool force_overwrite, std::vector<std::string>& seen);
  Result<store::Slot> CurrentAccount(const std::string& account);
  Status StageAccountFile(const std::string& account, const char* entity,
                          const std::string& content, const store::EntityMeta& meta);
  template <typename Update, typename Render>
  Status SetAccountFiles(const std::vector<Update>& updates, bool force_overwrite,
                         const char* entity, Render render);
  Status ProvePassword(const PasswordUpdate& u, const std::string& hash);
  Result<store::Slot> CurrentHost();
  // Applies `change` to the host state in effect and stages the result; `meta` (if any) becomes
  // the identity of `entity`.
  Status ModifyHost(const std::function<void(platform::SshHostState&)>& change, const char* entity,
                    const store::EntityMeta* meta);
  Status ReplaceHostKeys(std::vector<platform::HostKey> keys, const store::EntityMeta& meta);

  Engine& engine_;
  RotationSession session_;
  txn::Transaction& txn_;  // the session's
};

class Engine {
 public:
  Engine(platform::Platform& platform, store::SlotStore& accounts, store::SlotStore& ssh,
         store::Journal& journal, const txn::Domains& domains, Settings settings);
  ~Engine();

  // UNIMPLEMENTED, naming the platform, when it lacks the capability `rpc` needs (accounts, or
  // the SSH host for kRotateHostRpc). ABORTED while another credentialz Rotate runs with its stream
  // open (one whose stream ended is waited for while it rolls back); `open` says whether this
  // caller's stream is open.
  Result<std::unique_ptr<Rotation>> Begin(
      const char* rpc, std::function<bool()> open = [] { return true; });
  void UpdateSettings(Settings settings);
  // Asked before every rotation; a refusal (e.g. the admin state) is returned as is.
  void SetAdmission(std::function<Status()> admit) { sessions_.SetAdmission(std::move(admit)); }

  // The SSH server's host public keys: the managed ones, or the box's own.
  Result<std::vector<std::string>> PublicKeys() const;

  txn::Applier& account_applier() { return *account_applier_; }
  txn::Applier& ssh_applier() { return *ssh_applier_; }

 private:
  friend class Rotation;
  Settings CurrentSettings() const;
  Status Supports(const char* rpc) const;
  // The account sink; only called within a Rotation, which Begin admits only when there is one.
  platform::AccountSink& Sink() const { return *platform_.Accounts(); }

  platform::Platform& platform_;
  store::SlotStore& accounts_;
  store::SlotStore& ssh_;
  store::Journal& journal_;
  const txn::Domains& domains_;
  std::unique_ptr<txn::Applier> account_applier_, ssh_applier_;
  mutable std::mutex settings_mu_;
  Settings settings_;
  SessionGate sessions_{
      "another credentialz Rotate (account or host) is in progress; one at a time"};
};

}  // namespace rotagent::credentialz
