#include "agent/state/reporter.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/x509.h"

namespace rotagent::state {
namespace {

constexpr const char* kOc = "openconfig";
constexpr const char* kRot = "rotagent";
constexpr const char* kBuild = ROTAGENT_VERSION;

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Builder {
  std::vector<Leaf> leaves;
  void Add(const char* origin, const std::string& path, Value v) {
    leaves.push_back({origin, ParsePath(path), std::move(v), 0});
  }
};

// What the reporter knows of one credential entity.
struct Credential {
  std::string name;  // domain/id/entity
  std::string type;
  store::EntityMeta meta;
  const std::optional<LeafFacts>* leaf = nullptr;  // for certificates
  int64_t crl_next_update = 0;                     // for CRL bundles
};

const char* TypeOf(const std::string& domain, const std::string& entity, const std::string& role) {
  if (domain == "profiles") {
    if (entity == "chain") return role == "server" ? "ServerCertificate" : "ClientCertificate";
    if (entity == "trust") return "TrustBundle";
    if (entity == "crl") return "CertificateRevocationList";
    return "AuthenticationPolicy";
  }
  if (domain == "accounts") {
    if (entity == "password") return "Password";
    if (entity == "authorized_keys") return "AuthorizedKeys";
    return "AuthorizedPrincipals";
  }
  return entity == "host_keys" ? "SshHostKey" : "SshTrustedUserCaKeys";
}

}  // namespace

// A CRL past its nextUpdate no longer says what is revoked now: the credential is out of sync
// until a current CRL is installed (the listener keeps or enforces it per certz.expired_crl).
namespace {
void ReportCrlExpiry(Builder& b, const std::string& base, const Credential& c, int64_t now,
                     SyncRecord& r, std::string& logged) {
  const bool expired = c.crl_next_update <= now;
  b.Add(kRot, base + "expire-time", x509::FormatTime(c.crl_next_update));
  b.Add(kRot, base + "expiry-status", std::string(expired ? "expired" : "ok"));
  if (expired) {
    r.status = SyncStatus::kOutOfSync;
    r.last_error = "CRL expired at " + x509::FormatTime(c.crl_next_update) +
                   "; install a current CRL (certz.expired_crl decides whether it is still used)";
    if (logged != "expired") {
      spdlog::error("credential {}: CRL expired at {} (nextUpdate); install a current one", c.name,
                    x509::FormatTime(c.crl_next_update));
    }
  }
  logged = expired ? "expired" : "ok";
}
}  // namespace

Reporter::Reporter(Sources sources, ReportSettings settings, Tree& tree)
    : src_(std::move(sources)), settings_(std::move(settings)), tree_(tree) {}

void Reporter::Update(ReportSettings settings, std::map<std::string, std::string> account_roles) {
  std::lock_guard lock(mu_);
  settings_ = std::move(settings);
  src_.account_roles = std::move(account_roles);
}

const Reporter::SlotFacts& Reporter::FactsOf(const store::SlotStore& store, const std::string& id,
                                             const std::string& slot, bool certificate) {
  const std::string key = store.SlotDir(id, slot).string();
  if (auto used = used_facts_.find(key); used != used_facts_.end()) return used->second;
  if (auto known = facts_.find(key); known != facts_.end()) {
    return used_facts_[key] = std::move(known->second);
  }
  SlotFacts f;
  if (auto m = store.ReadMeta(id, slot); m.ok()) f.meta = std::move(*m);
  auto pem = certificate ? store.ReadOne(id, slot, "chain.pem") : std::optional<std::string>();
  if (pem.ok() && *pem) {
    auto certs = x509::ParseCertificates(**pem, x509::Encoding::kPem, "chain");
    if (certs.ok() && !certs->empty()) {
      X509* leaf = certs->front().get();
      f.leaf = LeafFacts{x509::NotBefore(leaf), x509::NotAfter(leaf), x509::Fingerprint(leaf),
                         x509::SubjectText(leaf)};
    }
  }
  auto crl_pem = certificate ? store.ReadOne(id, slot, "crl.pem") : std::optional<std::string>();
  if (crl_pem.ok() && *crl_pem && !(*crl_pem)->empty()) {
    auto crls = x509::ParseCrls(**crl_pem, x509::Encoding::kPem, "crl");
    for (size_t i = 0; crls.ok() && i < crls->size(); ++i) {
      const int64_t next = x509::CrlNextUpdate((*crls)[i].get());
      if (next != 0 && (f.crl_next_update == 0 || next < f.crl_next_update)) {
        f.crl_next_update = next;
      }
    }
  }
  return used_facts_[key] = std::move(f);
}

void Reporter::Refresh() {
  static const SlotFacts kNone;  // an item with nothing committed yet
  std::lock_guard lock(mu_);
  Builder b;
  const auto created = [this](uint64_t v) -> uint64_t {
    return settings_.created_on_ns ? v * 1000000000ull : v;
  };
  const int64_t now = NowSeconds();
  const auto ledger = src_.ledger->Records();
  std::vector<Credential> creds;

  // certz profiles: the served one also fills the grpc-server leaves.
  const std::string bound = src_.bound_profile();
  for (const auto& id : src_.profiles->List()) {
    auto slot = src_.profiles->Get(id, store::Pointer::kCommitted);
    const SlotFacts& facts = slot ? FactsOf(src_.profiles->slots(), id, *slot, true) : kNone;
    certz::ProfileMaterial meta;
    meta.chain = facts.meta.Meta("chain");
    meta.trust = facts.meta.Meta("trust");
    meta.crl = facts.meta.Meta("crl");
    meta.auth_policy = facts.meta.Meta("auth_policy");
    const std::string role = src_.role_of(id);
    for (auto [entity, m] : {std::pair{"chain", &meta.chain},
                             {"trust", &meta.trust},
                             {"crl", &meta.crl},
                             {"auth_policy", &meta.auth_policy}}) {
      const std::string name = "profiles/" + id + "/" + entity;
      if (!m->present() && ledger.count(name) == 0) continue;
      creds.push_back({name, TypeOf("profiles", entity, role), *m,
                       std::string(entity) == "chain" ? &facts.leaf : nullptr,
                       std::string(entity) == "crl" ? facts.crl_next_update : 0});
    }
    if (id != bound) continue;
    const std::string gs =
        "/system/grpc-servers/grpc-server[name=" + settings_.server_name + "]/state/";
    b.Add(kOc, gs + "name", settings_.server_name);
    b.Add(kOc, gs + "ssl-profile-id", id);
    b.Add(kOc, gs + "certificate-id", id);
    b.Add(kOc,
          "/system/grpc-servers/grpc-server[name=" + settings_.server_name +
              "]/config/certificate-id",
          id);
    for (auto [leaf, m] : {std::pair{"certificate", &meta.chain},
                           {"ca-trust-bundle", &meta.trust},
                           {"certificate-revocation-list-bundle", &meta.crl},
                           {"authentication-policy", &meta.auth_policy}}) {
      if (!m->present()) continue;
      b.Add(kOc, gs + leaf + "-version", m->version);
      b.Add(kOc, gs + leaf + "-created-on", created(m->created_on));
    }
    if (facts.leaf) {
      b.Add(kOc, gs + "certificate-expires-on",
            static_cast<uint64_t>(facts.leaf->not_after) * 1000000000ull);
    }
  }

  // Accounts.
  for (const auto& id : src_.accounts->List()) {
    auto slot = src_.accounts->Get(id, store::Pointer::kCommitted);
    const store::Slot& meta = slot ? FactsOf(*src_.accounts, id, *slot, false).meta : kNone.meta;
    const std::string user = "/system/aaa/authentication/users/user[username=" + id + "]/state/";
    for (auto [entity, leaf] : {std::pair{"password", "password"},
                                {"authorized_keys", "authorized-keys-list"},
                                {"authorized_principals", "authorized-principals-list"}}) {
      const store::EntityMeta m = meta.Meta(entity);
      const std::string name = "accounts/" + id + "/" + entity;
      if (m.present()) {
        b.Add(kOc, user + leaf + "-version", m.version);
        b.Add(kOc, user + leaf + "-created-on", created(m.created_on));
      }
      if (m.present() || ledger.count(name) != 0) {
        creds.push_back({name, TypeOf("accounts", entity, ""), m, nullptr});
      }
    }
  }

  // SSH server.
  if (auto committed = src_.ssh->Get("host", store::Pointer::kCommitted)) {
    const store::Slot& m = FactsOf(*src_.ssh, "host", *committed, false).meta;
    const std::string ssh = "/system/ssh-server/state/";
    for (auto [entity, leaf] : {std::pair{"trusted_user_ca_keys", "active-trusted-user-ca-keys"},
                                {"host_keys", "active-host-key"}}) {
      const store::EntityMeta e = m.Meta(entity);
      if (!e.present()) continue;
      b.Add(kOc, ssh + leaf + "-version", e.version);
      b.Add(kOc, ssh + leaf + "-created-on", created(e.created_on));
      creds.push_back({std::string("ssh/host/") + entity, TypeOf("ssh", entity, ""), e, nullptr});
    }
  }

  // The rotation tree: one entry per credential.
  for (const auto& c : creds) {
    const std::string base = "/rotation/credentials/credential[name=" + c.name + "]/state/";
    b.Add(kRot, base + "name", c.name);
    b.Add(kRot, base + "type", c.type);
    b.Add(kRot, base + "version", c.meta.version);
    b.Add(kRot, base + "created-on", created(c.meta.created_on));
    b.Add(kRot, base + "last-rotation-time", static_cast<uint64_t>(c.meta.rotated_at));
    auto rec = ledger.find(c.name);
    SyncRecord r = rec == ledger.end() ? SyncRecord{} : rec->second;
    if (c.crl_next_update != 0) ReportCrlExpiry(b, base, c, now, r, expiry_logged_[c.name]);
    b.Add(kRot, base + "synchronization-status", std::string(SyncStatusName(r.status)));
    if (!r.last_error.empty()) b.Add(kRot, base + "last-error", r.last_error);
    if (!r.attempted_version.empty()) b.Add(kRot, base + "attempted-version", r.attempted_version);
    if (c.leaf == nullptr || !*c.leaf) continue;
    const LeafFacts& leaf = **c.leaf;
    const int64_t not_after = leaf.not_after;
    const int64_t days = (not_after - now) / 86400;
    const std::string expiry = not_after <= now                        ? "expired"
                               : days < settings_.expiry_critical_days ? "critical"
                               : days < settings_.expiry_warning_days  ? "warning"
                                                                       : "ok";
    b.Add(kRot, base + "not-before", x509::FormatTime(leaf.not_before));
    b.Add(kRot, base + "expire-time", x509::FormatTime(not_after));
    b.Add(kRot, base + "days-to-expiry", static_cast<int64_t>(days));
    b.Add(kRot, base + "expiry-status", expiry);
    b.Add(kRot, base + "fingerprint", leaf.fingerprint);
    b.Add(kRot, base + "subject", leaf.subject);
    std::string& logged = expiry_logged_[c.name];
    if (logged != expiry && expiry != "ok") {
      spdlog::log(expiry == "warning" ? spdlog::level::warn : spdlog::level::err,
                  "credential {} ({}): certificate {} in {} days (not after {})", c.name, c.type,
                  expiry == "expired" ? "expired" : "expires", days, x509::FormatTime(not_after));
    }
    logged = expiry;
  }

  // The agent itself.
  const std::string admin = src_.admin->Get();
  b.Add(kRot, "/rotation/agent/config/admin-state", admin);
  b.Add(kRot, "/rotation/agent/state/admin-state", admin);
  b.Add(kRot, "/rotation/agent/state/build", std::string(kBuild));
  const platform::Facts facts = src_.platform->Describe();
  b.Add(kRot, "/rotation/agent/state/platform-kind", facts.kind);
  if (!facts.os.empty()) b.Add(kRot, "/rotation/agent/state/platform-os", facts.os);
  if (!facts.model.empty()) b.Add(kRot, "/rotation/agent/state/platform-model", facts.model);
  for (const auto& [account, role] : src_.account_roles) {
    b.Add(kRot, "/rotation/agent/state/managed-account[name=" + account + "]/role", role);
  }
  if (src_.extra_leaves) {
    for (auto& leaf : src_.extra_leaves(settings_)) b.leaves.push_back(std::move(leaf));
  }
  facts_ = std::move(used_facts_);  // forget slots no longer committed
  used_facts_.clear();
  tree_.Replace(std::move(b.leaves));
}

}  // namespace rotagent::state
