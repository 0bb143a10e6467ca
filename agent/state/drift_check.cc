#include "agent/state/drift_check.h"

#include "agent/credentialz/slots.h"
#include "common/ossl.h"
#include "common/x509.h"

namespace rotagent::state {
namespace {

void CheckProfile(const DriftSources& src, const std::string& id) {
  if (src.ledger->Busy("profiles", id)) return;
  auto slot = src.profiles->Get(id, store::Pointer::kCommitted);
  if (!slot) return;
  auto meta = src.profiles->ReadMeta(id, *slot);
  if (!meta.ok() || !meta->chain.present()) return;
  const std::string key = "profiles/" + id + "/chain";
  platform::CertInstall install{id, src.role_of(id), meta->chain.version,
                                src.profiles->SlotDir(id, *slot)};
  auto reason = src.platform->Certs().CertDrift(install);
  std::string why = reason.ok() ? *reason : reason.status().message();
  if (why.empty() && id == src.bound_profile()) {
    auto chain = src.profiles->slots().ReadOne(id, *slot, "chain.pem");
    auto served = src.served_fingerprint();
    if (chain.ok() && *chain && served.ok()) {
      auto certs = x509::ParseCertificates(**chain, x509::Encoding::kPem, "chain");
      if (certs.ok() && !certs->empty() && x509::Fingerprint(certs->front().get()) != *served) {
        why = "the listener serves certificate " + *served + ", not the committed version '" +
              meta->chain.version + "'";
      }
    }
  }
  src.ledger->SetDrift(key, why);
}

void CheckAccount(const DriftSources& src, const std::string& id) {
  if (src.ledger->Busy("accounts", id)) return;
  platform::AccountSink* sink = src.platform->Accounts();
  if (sink == nullptr) return;  // nothing of the agent's can be on the box's accounts
  auto committed = src.accounts->Committed(id);
  if (!committed) return;
  auto box = sink->ReadAccount(id);
  platform::AccountState want = credentialz::AccountFromSlot(*committed);
  for (auto& [name, data] : committed->files) Wipe(data);
  struct Part {
    const char* entity;
    const std::optional<std::string>* want;
    const std::optional<std::string>* have;
    const char* what;
  };
  const std::optional<std::string> none;
  for (const Part& p :
       {Part{credentialz::kPassword, &want.password_hash, box.ok() ? &box->password_hash : &none,
             "the password hash on the box"},
        Part{credentialz::kAuthorizedKeys, &want.authorized_keys,
             box.ok() ? &box->authorized_keys : &none, "the authorized keys file"},
        Part{credentialz::kAuthorizedPrincipals, &want.authorized_principals,
             box.ok() ? &box->authorized_principals : &none, "the authorized principals file"}}) {
    const store::EntityMeta m = committed->Meta(p.entity);
    if (!m.present()) continue;  // never rotated here: nothing recorded to drift from
    std::string why;
    if (!box.ok()) {
      why = box.status().message();
    } else if (*p.want != *p.have) {
      why = std::string(p.what) + " is not the committed version '" + m.version + "'";
    }
    src.ledger->SetDrift("accounts/" + id + "/" + p.entity, why);
  }
  if (want.password_hash) Wipe(*want.password_hash);
  if (box.ok() && box->password_hash) Wipe(*box->password_hash);
}

}  // namespace

void CheckDrift(const DriftSources& src) {
  for (const auto& id : src.profiles->List()) CheckProfile(src, id);
  for (const auto& id : src.accounts->List()) CheckAccount(src, id);
}

}  // namespace rotagent::state
