#include "agent/state/reporter.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "common/x509.h"

namespace rotagent::state {
namespace {

constexpr const char* kRot = "rotagent";
constexpr const char* kBuild = ROTAGENT_VERSION;

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// The state of one Refresh(): the leaves collected so far, and what every kind may ask of it.
class Reporter::Refreshing final : public ReportContext {
 public:
  explicit Refreshing(Reporter& reporter)
      : now(NowSeconds()), ledger(reporter.src_.ledger->Records()), reporter_(reporter) {}

  void Add(const char* origin, const std::string& path, Value v) override {
    leaves.push_back({origin, ParsePath(path), std::move(v), 0});
  }
  uint64_t CreatedOn(uint64_t seconds) const override {
    return reporter_.settings_.created_on_ns ? seconds * 1000000000ull : seconds;
  }
  const ReportSettings& settings() const override { return reporter_.settings_; }
  const SlotFacts* Committed(const store::SlotStore& store, const std::string& id,
                             bool certificates) override {
    auto slot = store.Get(id, store::Pointer::kCommitted);
    return slot ? &reporter_.FactsOf(store, id, *slot, certificates) : nullptr;
  }

  const int64_t now;
  const std::map<std::string, SyncRecord> ledger;
  std::vector<Leaf> leaves;

 private:
  Reporter& reporter_;
};

Reporter::Reporter(Sources sources, ReportSettings settings, Tree& tree)
    : src_(std::move(sources)),
      settings_(std::move(settings)),
      tree_(tree),
      worker_([this] { Run(); }) {}

Reporter::~Reporter() {
  {
    std::lock_guard lock(wake_mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  worker_.join();
}

void Reporter::RefreshSoon() {
  {
    std::lock_guard lock(wake_mu_);
    ++asked_;
  }
  wake_.notify_one();
}

void Reporter::Settle() {
  const uint64_t want = asked_.load();
  if (covered_.load() >= want) return;
  std::lock_guard lock(mu_);
  if (covered_.load() < want) RefreshLocked();  // unless the thread got there meanwhile
}

void Reporter::Run() {
  std::unique_lock lock(wake_mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || covered_.load() < asked_.load(); });
    // The changes of a burst (a rotation's stage and commit, back-to-back rotations) are gathered
    // into one refresh rather than each taking the CPU from the rotations themselves; readers
    // settle first, so only ON_CHANGE updates wait.
    if (wake_.wait_for(lock, kGather, [this] { return stopping_; })) return;
    lock.unlock();
    Settle();
    lock.lock();
  }
}

void Reporter::Update(ReportSettings settings, std::map<std::string, std::string> account_roles) {
  std::lock_guard lock(mu_);
  settings_ = std::move(settings);
  src_.account_roles = std::move(account_roles);
}

const SlotFacts& Reporter::FactsOf(const store::SlotStore& store, const std::string& id,
                                   const std::string& slot, bool certificates) {
  const std::string key = store.SlotDir(id, slot).string();
  if (auto used = used_facts_.find(key); used != used_facts_.end()) return used->second;
  if (auto known = facts_.find(key); known != facts_.end()) {
    return used_facts_[key] = std::move(known->second);
  }
  SlotFacts f;
  if (auto m = store.ReadMeta(id, slot); m.ok()) f.meta = std::move(*m);
  auto pem = certificates ? store.ReadOne(id, slot, "chain.pem") : std::optional<std::string>();
  if (pem.ok() && *pem) {
    auto certs = x509::ParseCertificates(**pem, x509::Encoding::kPem, "chain");
    if (certs.ok() && !certs->empty()) {
      X509* leaf = certs->front().get();
      f.leaf = LeafFacts{x509::NotBefore(leaf), x509::NotAfter(leaf), x509::Fingerprint(leaf),
                         x509::SubjectText(leaf)};
    }
  }
  auto crl_pem = certificates ? store.ReadOne(id, slot, "crl.pem") : std::optional<std::string>();
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
  std::lock_guard lock(mu_);
  RefreshLocked();
}

void Reporter::RefreshLocked() {
  // Read first: what was asked before this point is reflected once the tree is replaced.
  const uint64_t asked = asked_.load();
  Refreshing r(*this);
  std::vector<Credential> creds;
  for (const auto& kind : *src_.kinds) CollectKind(kind, r, creds);
  for (const auto& c : creds) ReportCredential(c, r);
  ReportAgent(r);
  facts_ = std::move(used_facts_);  // forget slots no longer committed
  used_facts_.clear();
  tree_.Replace(std::move(r.leaves));
  covered_.store(std::max(covered_.load(), asked));
}

// A kind's items: their OpenConfig leaves, and a credential per entity that is committed or has
// a ledger record (a first rotation that failed is still reported, OutOfSync).
void Reporter::CollectKind(const CredentialKind& kind, Refreshing& r,
                           std::vector<Credential>& creds) {
  static const SlotFacts kNone;  // an item with nothing committed yet
  for (const auto& id : kind.store->List()) {
    const SlotFacts* committed = r.Committed(*kind.store, id, kind.certificates);
    const SlotFacts& facts = committed ? *committed : kNone;
    const std::string container = kind.oc_container ? kind.oc_container(id) : "";
    for (const auto& e : kind.entities) {
      const store::EntityMeta m = facts.meta.Meta(e.entity);
      const std::string name = kind.domain + "/" + id + "/" + e.entity;
      if (m.present() && !container.empty() && !e.oc_leaf.empty()) {
        r.Add("openconfig", container + e.oc_leaf + "-version", m.version);
        r.Add("openconfig", container + e.oc_leaf + "-created-on", r.CreatedOn(m.created_on));
      }
      if (!m.present() && r.ledger.count(name) == 0) continue;
      using F = EntityKind::Facts;
      creds.push_back({name, kind.type_of ? kind.type_of(id, e) : e.type, m,
                       e.facts == F::kCertificate ? &facts.leaf : nullptr,
                       e.facts == F::kCrl ? facts.crl_next_update : 0});
    }
  }
  if (kind.report) kind.report(r);
}

// One entry of the rotation tree.
void Reporter::ReportCredential(const Credential& c, Refreshing& r) {
  const std::string base = "/rotation/credentials/credential[name=" + c.name + "]/state/";
  r.Add(kRot, base + "name", c.name);
  r.Add(kRot, base + "type", c.type);
  r.Add(kRot, base + "version", c.meta.version);
  r.Add(kRot, base + "created-on", r.CreatedOn(c.meta.created_on));
  r.Add(kRot, base + "last-rotation-time", static_cast<uint64_t>(c.meta.rotated_at));
  auto rec = r.ledger.find(c.name);
  SyncRecord sync = rec == r.ledger.end() ? SyncRecord{} : rec->second;
  // A CRL past its nextUpdate no longer says what is revoked now: the credential is out of sync
  // until a current CRL is installed (the listener keeps or enforces it per certz.expired_crl).
  if (c.crl_next_update != 0) {
    const bool expired = c.crl_next_update <= r.now;
    std::string& logged = expiry_logged_[c.name];
    r.Add(kRot, base + "expire-time", x509::FormatTime(c.crl_next_update));
    r.Add(kRot, base + "expiry-status", std::string(expired ? "expired" : "ok"));
    if (expired) {
      sync.status = SyncStatus::kOutOfSync;
      sync.last_error = "CRL expired at " + x509::FormatTime(c.crl_next_update) +
                        "; install a current CRL (certz.expired_crl decides whether it is still "
                        "used)";
      if (logged != "expired") {
        spdlog::error("credential {}: CRL expired at {} (nextUpdate); install a current one",
                      c.name, x509::FormatTime(c.crl_next_update));
      }
    }
    logged = expired ? "expired" : "ok";
  }
  r.Add(kRot, base + "synchronization-status", std::string(SyncStatusName(sync.status)));
  if (!sync.last_error.empty()) r.Add(kRot, base + "last-error", sync.last_error);
  if (!sync.attempted_version.empty()) {
    r.Add(kRot, base + "attempted-version", sync.attempted_version);
  }
  if (c.leaf != nullptr && *c.leaf) ReportExpiry(c, base, r);
}

// A certificate's validity, counted down with the wall clock; a change of status is logged once.
void Reporter::ReportExpiry(const Credential& c, const std::string& base, Refreshing& r) {
  const LeafFacts& leaf = **c.leaf;
  const int64_t not_after = leaf.not_after;
  const int64_t days = (not_after - r.now) / 86400;
  const std::string expiry = not_after <= r.now                      ? "expired"
                             : days < settings_.expiry_critical_days ? "critical"
                             : days < settings_.expiry_warning_days  ? "warning"
                                                                     : "ok";
  r.Add(kRot, base + "not-before", x509::FormatTime(leaf.not_before));
  r.Add(kRot, base + "expire-time", x509::FormatTime(not_after));
  r.Add(kRot, base + "days-to-expiry", static_cast<int64_t>(days));
  r.Add(kRot, base + "expiry-status", expiry);
  r.Add(kRot, base + "fingerprint", leaf.fingerprint);
  r.Add(kRot, base + "subject", leaf.subject);
  std::string& logged = expiry_logged_[c.name];
  if (logged != expiry && expiry != "ok") {
    spdlog::log(expiry == "warning" ? spdlog::level::warn : spdlog::level::err,
                "credential {} ({}): certificate {} in {} days (not after {})", c.name, c.type,
                expiry == "expired" ? "expired" : "expires", days, x509::FormatTime(not_after));
  }
  logged = expiry;
}

// The agent itself.
void Reporter::ReportAgent(Refreshing& r) {
  const std::string admin = src_.admin->Get();
  r.Add(kRot, "/rotation/agent/config/admin-state", admin);
  r.Add(kRot, "/rotation/agent/state/admin-state", admin);
  r.Add(kRot, "/rotation/agent/state/build", std::string(kBuild));
  const platform::Facts facts = src_.platform->Describe();
  r.Add(kRot, "/rotation/agent/state/platform-kind", facts.kind);
  if (!facts.os.empty()) r.Add(kRot, "/rotation/agent/state/platform-os", facts.os);
  if (!facts.model.empty()) r.Add(kRot, "/rotation/agent/state/platform-model", facts.model);
  // What the box lacks is answered UNIMPLEMENTED; said here so a controller can tell beforehand.
  for (const auto& c : platform::CapabilitiesOf(*src_.platform)) {
    r.Add(kRot,
          "/rotation/agent/state/platform-capability[name=" + std::string(c.name) + "]/supported",
          c.provided);
  }
  for (const auto& [account, role] : src_.account_roles) {
    r.Add(kRot, "/rotation/agent/state/managed-account[name=" + account + "]/role", role);
  }
}

}  // namespace rotagent::state
