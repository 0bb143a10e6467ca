#include "agent/certz/profiles_kind.h"

#include "agent/certz/engine.h"
#include "common/x509.h"

namespace rotagent::certz {
namespace {

constexpr const char* kOc = "openconfig";
constexpr const char* kGrpcServer = "/system/grpc-servers/grpc-server/state/";

// The grpc-server leaves say what the listener serves: the bound profile once it holds a
// certificate, the built-in identity (bootstrap or provisioned files) until then. That identity
// came with no controller version: it reports its certificate's SHA-256 fingerprint as version
// and its notBefore as created-on, so a fresh agent already answers for what it serves.
void ReportGrpcServer(const ProfilesKindSources& src, state::ReportContext& r) {
  const std::string& name = r.settings().server_name;
  const std::string bound = src.bound_profile();
  const std::string gs = "/system/grpc-servers/grpc-server[name=" + name + "]/state/";
  r.Add(kOc, gs + "name", name);
  r.Add(kOc, gs + "ssl-profile-id", bound);
  r.Add(kOc, gs + "certificate-id", bound);
  r.Add(kOc, "/system/grpc-servers/grpc-server[name=" + name + "]/config/certificate-id", bound);
  const state::SlotFacts* served = r.Committed(src.profiles->slots(), bound, true);
  // The built-in identity's stored meta is a placeholder ("system-default"), not a controller's.
  const bool built_in = bound == kDefaultProfile || served == nullptr || !served->leaf;
  if (built_in) served = r.Committed(src.profiles->slots(), kDefaultProfile, true);
  if (served == nullptr) return;
  bool versioned = false;
  for (auto [leaf, entity] : {std::pair{"certificate", "chain"},
                              {"ca-trust-bundle", "trust"},
                              {"certificate-revocation-list-bundle", "crl"},
                              {"authentication-policy", "auth_policy"}}) {
    const store::EntityMeta m = served->meta.Meta(entity);
    if (built_in || !m.present()) continue;
    r.Add(kOc, gs + leaf + "-version", m.version);
    r.Add(kOc, gs + leaf + "-created-on", r.CreatedOn(m.created_on));
    versioned = versioned || std::string(entity) == "chain";
  }
  if (!served->leaf) return;
  if (!versioned) {
    r.Add(kOc, gs + "certificate-version", served->leaf->fingerprint);
    r.Add(kOc, gs + "certificate-created-on",
          r.CreatedOn(static_cast<uint64_t>(served->leaf->not_before)));
  }
  r.Add(kOc, gs + "certificate-expires-on",
        static_cast<uint64_t>(served->leaf->not_after) * 1000000000ull);
}

// The box's copy of the committed chain (the platform's files, hooks' targets) and, for the
// bound profile, the certificate a new handshake is served.
void CheckProfileDrift(const ProfilesKindSources& src, const std::string& id,
                       state::SyncLedger& ledger) {
  auto slot = src.profiles->Get(id, store::Pointer::kCommitted);
  if (!slot) return;
  auto meta = src.profiles->ReadMeta(id, *slot);
  if (!meta.ok() || !meta->chain.present()) return;
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
  ledger.SetDrift(std::string(kProfilesDomain) + "/" + id + "/chain", why);
}

}  // namespace

state::CredentialKind MakeProfilesKind(ProfilesKindSources src) {
  using F = state::EntityKind::Facts;
  state::CredentialKind k;
  k.domain = kProfilesDomain;
  k.store = &src.profiles->slots();
  k.applier = src.applier;
  k.certificates = true;
  // Their OpenConfig leaves are the grpc-server's, for the served profile only (below).
  k.entities = {{"chain", "ServerCertificate", "", F::kCertificate},
                {"trust", "TrustBundle", "", F::kNone},
                {"crl", "CertificateRevocationList", "", F::kCrl},
                {"auth_policy", "AuthenticationPolicy", "", F::kNone}};
  k.type_of = [role_of = src.role_of](const std::string& id, const state::EntityKind& e) {
    if (e.entity == "chain" && role_of(id) != "server") return std::string("ClientCertificate");
    return e.type;
  };
  k.report = [src](state::ReportContext& r) { ReportGrpcServer(src, r); };
  for (const char* leaf :
       {"name", "ssl-profile-id", "certificate-id", "certificate-version", "certificate-created-on",
        "certificate-expires-on", "ca-trust-bundle-version", "ca-trust-bundle-created-on",
        "certificate-revocation-list-bundle-version",
        "certificate-revocation-list-bundle-created-on", "authentication-policy-version",
        "authentication-policy-created-on"}) {
    k.extra_oc_leaves.push_back(std::string(kGrpcServer) + leaf);
  }
  k.extra_oc_leaves.push_back("/system/grpc-servers/grpc-server/config/certificate-id");
  k.drift = [src](const std::string& id, state::SyncLedger& ledger) {
    CheckProfileDrift(src, id, ledger);
  };
  return k;
}

}  // namespace rotagent::certz
