#include "agent/credentialz/accounts_kind.h"

#include "agent/credentialz/engine.h"
#include "agent/credentialz/slots.h"
#include "common/ossl.h"

namespace rotagent::credentialz {
namespace {

// The box's password hash, authorized keys and principals against the committed ones.
void CheckAccountDrift(const store::SlotStore& accounts, platform::Platform& platform,
                       const std::string& id, state::SyncLedger& ledger) {
  platform::AccountSink* sink = platform.Accounts();
  if (sink == nullptr) return;  // nothing of the agent's can be on the box's accounts
  auto committed = accounts.Committed(id);
  if (!committed) return;
  auto box = sink->ReadAccount(id);
  platform::AccountState want = AccountFromSlot(*committed);
  for (auto& [name, data] : committed->files) Wipe(data);
  struct Part {
    const char* entity;
    const std::optional<std::string>* want;
    const std::optional<std::string>* have;
    const char* what;
  };
  const std::optional<std::string> none;
  for (const Part& p :
       {Part{kPassword, &want.password_hash, box.ok() ? &box->password_hash : &none,
             "the password hash on the box"},
        Part{kAuthorizedKeys, &want.authorized_keys, box.ok() ? &box->authorized_keys : &none,
             "the authorized keys file"},
        Part{kAuthorizedPrincipals, &want.authorized_principals,
             box.ok() ? &box->authorized_principals : &none, "the authorized principals file"}}) {
    const store::EntityMeta m = committed->Meta(p.entity);
    if (!m.present()) continue;  // never rotated here: nothing recorded to drift from
    std::string why;
    if (!box.ok()) {
      why = box.status().message();
    } else if (*p.want != *p.have) {
      why = std::string(p.what) + " is not the committed version '" + m.version + "'";
    }
    ledger.SetDrift(std::string(kAccountsDomain) + "/" + id + "/" + p.entity, why);
  }
  if (want.password_hash) Wipe(*want.password_hash);
  if (box.ok() && box->password_hash) Wipe(*box->password_hash);
}

}  // namespace

state::CredentialKind MakeAccountsKind(store::SlotStore* accounts, txn::Applier* applier,
                                       platform::Platform* platform) {
  state::CredentialKind k;
  k.domain = kAccountsDomain;
  k.store = accounts;
  k.applier = applier;
  k.entities = {{kPassword, "Password", "password"},
                {kAuthorizedKeys, "AuthorizedKeys", "authorized-keys-list"},
                {kAuthorizedPrincipals, "AuthorizedPrincipals", "authorized-principals-list"}};
  k.oc_container = [](const std::string& id) {
    return "/system/aaa/authentication/users/user[username=" + id + "]/state/";
  };
  k.oc_schema_container = "/system/aaa/authentication/users/user/state/";
  k.drift = [accounts, platform](const std::string& id, state::SyncLedger& ledger) {
    CheckAccountDrift(*accounts, *platform, id, ledger);
  };
  return k;
}

}  // namespace rotagent::credentialz
