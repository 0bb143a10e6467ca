#include "agent/certz/engine.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "agent/certz/audit_versions.h"
#include "common/failpoint.h"
#include "common/x509.h"

namespace rotagent::certz {
namespace {

using txn::Ready;

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void StampRotation(const ProfileMaterial& before, ProfileMaterial& after, int64_t now) {
  for (auto [b, a] : {std::pair{&before.chain, &after.chain},
                      {&before.trust, &after.trust},
                      {&before.crl, &after.crl},
                      {&before.auth_policy, &after.auth_policy}}) {
    if (a->version != b->version || a->created_on != b->created_on || a->rotated_at == 0) {
      if (a->present()) a->rotated_at = now;
    }
  }
}

}  // namespace

Engine::Engine(ProfileStore& store, platform::Platform& platform, TlsServing& serving,
               EngineSettings settings, store::Journal& journal, const txn::Domains& domains)
    : store_(store),
      platform_(platform),
      serving_(serving),
      journal_(journal),
      domains_(domains),
      settings_(std::move(settings)) {}

EngineSettings Engine::Settings() const {
  std::lock_guard lock(settings_mu_);
  return settings_;
}

void Engine::UpdateSettings(EngineSettings settings) {
  std::lock_guard lock(settings_mu_);
  settings_ = std::move(settings);
}

std::optional<platform::CertInstall> Engine::InstallOf(const std::string& profile,
                                                       const std::string& slot) const {
  if (slot.empty()) return std::nullopt;
  auto m = store_.ReadMeta(profile, slot);
  platform::CertInstall c{profile, Settings().role_of(profile), m.ok() ? m->chain.version : "",
                          store_.SlotDir(profile, slot)};
  return c;
}

void Engine::ServeAhead(const std::string& profile, const std::string& chain_pem, ossl::Pkey key,
                        const std::string& trust_pem) {
  DropAhead();
  const auto start = Clock::now();
  auto prove = serving_.ServeCandidate(profile, chain_pem, std::move(key), trust_pem);
  // A failed swap may have happened half way: it counts as swapped, so that it is put back.
  Ahead& ahead = ahead_.emplace(Ahead{profile, !prove.ok() || *prove, {}});
  if (!prove.ok() || !*prove) {
    ahead.proof = Ready(prove.status());
    return;
  }
  // The proof's handshake has started, and the listener answers it meanwhile. Its reading runs
  // on the prover's thread, so that the stage's flushes and the client's half of the handshake
  // (about 0.8 ms here) overlap.
  ahead.proof = prover_.Submit([this, start, proof = std::move(*prove)] {
    Status s = proof();
    last_prove_ms_ = MsSince(start);  // read after the future, which this precedes
    return s;
  });
}

void Engine::DropAhead() {
  if (!ahead_) return;
  Ahead ahead = std::move(*ahead_);
  ahead_.reset();
  if (ahead.swapped) {
    if (Status s = serving_.ProfileChanged(ahead.profile); !s.ok()) {
      spdlog::warn("profile '{}': listener not put back after a refused candidate: {}",
                   ahead.profile, s.message());
    }
  }
}

std::future<Status> Engine::Preview(const std::string& profile, const std::string& slot,
                                    const store::Slot& candidate) {
  if (!ahead_ || ahead_->profile != profile) {  // the upload brought no chain of its own
    DropAhead();
    const ProfileMaterial m = ProfileStore::FromSlot(candidate);
    // A candidate without a certificate leaves the listener on its fallback; Stage refreshes.
    if (!m.has_certificate()) return Ready(Status::Ok());
    auto key = x509::ParsePrivateKey(m.key_pem.reveal(), x509::Encoding::kPem, "candidate key");
    if (!key.ok()) return Ready(key.status());
    ServeAhead(profile, m.chain_pem, std::move(*key), m.trust_pem);
  }
  Ahead ahead = std::move(*ahead_);
  ahead_.reset();
  if (!ahead.swapped) return std::move(ahead.proof);  // no listener serves it: Stage skips none
  // Set before the trust changes, so that a failure from here on is withdrawn too.
  previewed_ = profile + "/" + slot;
  // Clients are verified against the candidate's trust only now that all of it checked out.
  Status trusted = serving_.TrustCandidate(profile, ProfileStore::TrustPem(candidate),
                                           ProfileStore::CrlPem(candidate));
  if (trusted.ok()) return std::move(ahead.proof);
  return Ready(trusted);
}

void Engine::Withdraw(const std::string& profile) {
  if (previewed_.empty()) return;  // Restore already put the listener back
  previewed_.clear();
  if (Status s = serving_.ProfileChanged(profile); !s.ok()) {
    spdlog::warn("profile '{}': listener not put back after a failed stage: {}", profile,
                 s.message());
  }
}

Status Engine::Stage(const std::string& profile, const std::string& slot) {
  ROTAGENT_RETURN_IF_ERROR(platform_.Certs().StageCert(*InstallOf(profile, slot)));
  Failpoint("certz.platform_staged");
  if (previewed_ != profile + "/" + slot) {  // else the listener serves and proved it already
    const auto start = Clock::now();
    Status served = serving_.ProfileChanged(profile);
    last_prove_ms_ = MsSince(start);
    ROTAGENT_RETURN_IF_ERROR(served);
  }
  previewed_.clear();
  spdlog::info("profile '{}': candidate staged and served to new connections", profile);
  return Status::Ok();
}

Status Engine::Commit(const std::string& profile, const std::string& slot) {
  return platform_.Certs().CommitCert(*InstallOf(profile, slot));
}

Status Engine::Restore(const std::string& profile, const std::string& slot) {
  previewed_.clear();
  Status platform = platform_.Certs().RollbackCert(profile, InstallOf(profile, slot));
  Status serving = serving_.ProfileChanged(profile);
  return platform.ok() ? serving : platform;
}

namespace {
constexpr const char* kBusy = "a certz Rotate is in progress; retry when it ends";
}  // namespace

Status Engine::AddProfile(const std::string& id) {
  auto hold = sessions_.gate().Enter(nullptr, kBusy);
  if (!hold.ok()) return hold.status();
  return store_.Create(id);
}

Status Engine::DeleteProfile(const std::string& id, const Caller& caller) {
  ROTAGENT_RETURN_IF_ERROR(ProfileStore::CheckProfileId(id));
  if (id == kDefaultProfile) {
    return FailedPrecondition("system_default_profile is immutable and cannot be deleted");
  }
  auto hold = sessions_.gate().Enter(nullptr, kBusy);
  if (!hold.ok()) return hold.status();
  if (!store_.Exists(id)) return NotFound("profile '" + id + "' does not exist");
  ROTAGENT_RETURN_IF_ERROR(lockout_(caller, id, nullptr));
  ROTAGENT_RETURN_IF_ERROR(platform_.Certs().RollbackCert(id, std::nullopt));
  ROTAGENT_RETURN_IF_ERROR(store_.Remove(id));
  return serving_.ProfileChanged(id);
}

std::vector<std::string> Engine::ListProfiles() const { return store_.List(); }

std::string Engine::CommittedVersions(const std::string& profile) const {
  auto slot = store_.Get(profile, Pointer::kCommitted);
  if (!slot) return "";
  auto meta = store_.ReadMeta(profile, *slot);
  return meta.ok() ? AuditVersions(*meta) : "";
}

Result<std::unique_ptr<Rotation>> Engine::Begin(const std::string& profile, Caller caller,
                                                std::function<bool()> open) {
  ROTAGENT_RETURN_IF_ERROR(ProfileStore::CheckProfileId(profile));
  if (profile == kDefaultProfile) {
    return FailedPrecondition("system_default_profile is immutable; add a profile and rotate it");
  }
  auto hold = sessions_.Admit(std::move(open));
  if (!hold.ok()) return hold.status();
  if (!store_.Exists(profile)) {
    return NotFound("profile '" + profile + "' does not exist; create it with AddProfile");
  }
  return std::make_unique<Rotation>(*this, profile, std::move(*hold), std::move(caller));
}

Status Engine::SetDefaultIdentity(ProfileMaterial m) {
  RotationGate::Hold hold = sessions_.gate().EnterWaiting();
  if (!store_.Exists(kDefaultProfile)) ROTAGENT_RETURN_IF_ERROR(store_.Create(kDefaultProfile));
  auto current = store_.Committed(kDefaultProfile);
  if (current && current->chain_pem == m.chain_pem && current->trust_pem == m.trust_pem &&
      current->key_pem == m.key_pem) {
    return Status::Ok();
  }
  auto slot = store_.WriteSlot(kDefaultProfile, m);
  if (!slot.ok()) return slot.status();
  ROTAGENT_RETURN_IF_ERROR(store_.Set(kDefaultProfile, Pointer::kLive, *slot));
  ROTAGENT_RETURN_IF_ERROR(store_.Set(kDefaultProfile, Pointer::kCommitted, *slot));
  store_.CollectGarbage(kDefaultProfile);
  return Status::Ok();
}

Rotation::Rotation(Engine& engine, std::string profile, RotationGate::Hold hold, Caller caller)
    : engine_(engine),
      profile_(std::move(profile)),
      session_(std::move(hold), engine.journal_, engine.domains_,
               {"certz", "profile '" + profile_ + "': rotation",
                "finalize_rotation received before any certificates were uploaded"}),
      caller_(std::move(caller)) {}

Result<std::string> Rotation::GenerateCsr(const CsrSuite& suite, const CsrSubject& subject) {
  ROTAGENT_RETURN_IF_ERROR(session_.CheckOpen());
  if (staged()) {
    return FailedPrecondition("generate_csr must come before certificates are uploaded");
  }
  auto key = GenerateKey(suite);
  if (!key.ok()) return key.status();
  auto csr = MakeCsr(key->get(), suite, subject);
  if (!csr.ok()) return csr.status();
  generated_key_ = std::move(*key);
  return csr;
}

Result<store::Slot> Rotation::Candidate(const std::vector<EntityUpload>& entities,
                                        bool force_overwrite) {
  txn::Transaction& txn = session_.txn();
  ProfileStore& store = engine_.store_;
  std::optional<ProfileMaterial> base;
  const std::optional<std::string> base_slot = txn.Current(kProfilesDomain, profile_);
  if (base_slot) {
    auto m = store.ReadSlot(profile_, *base_slot);
    if (!m.ok()) return m.status();
    base = std::move(*m);
  }
  const EngineSettings settings = engine_.Settings();
  CandidateContext ctx;
  ctx.current = base ? &*base : nullptr;
  ctx.generated_key = generated_key_.get();
  ctx.force_overwrite = force_overwrite;
  ctx.now = Now();
  ctx.key_policy = settings.key_policy;
  ctx.limits = settings.limits;
  ctx.trust_out = &trust_;
  ctx.chain_checked = [this](const ProfileMaterial& m, EVP_PKEY* key) {
    EVP_PKEY_up_ref(key);
    engine_.ServeAhead(profile_, m.chain_pem, ossl::Pkey(key), m.trust_pem);
  };
  ctx.lookup = [&store, &txn](const std::string& id) -> std::optional<ProfileMaterial> {
    if (!store.Exists(id)) return std::nullopt;
    auto slot = txn.Current(kProfilesDomain, id);
    if (!slot) return ProfileMaterial{};
    auto m = store.ReadSlot(id, *slot);
    return m.ok() ? std::move(*m) : ProfileMaterial{};
  };
  auto next = BuildCandidate(entities, ctx);
  if (!next.ok()) return next.status();
  ROTAGENT_RETURN_IF_ERROR(engine_.lockout_(caller_, profile_, &*next));
  const ProfileMaterial none;
  StampRotation(base ? *base : none, *next, ctx.now);
  return ProfileStore::ToSlot(*next);
}

Status Rotation::Upload(const std::vector<EntityUpload>& entities, bool force_overwrite) {
  ROTAGENT_RETURN_IF_ERROR(session_.CheckOpen());
  const auto start = Clock::now();
  engine_.last_prove_ms_ = 0;
  auto slot = Candidate(entities, force_overwrite);
  if (!slot.ok()) {
    engine_.DropAhead();
    return slot.status();
  }
  const double validate_ms = MsSince(start);
  const auto staging = Clock::now();
  Status s = session_.txn().Stage(kProfilesDomain, profile_, *slot);
  engine_.DropAhead();  // served ahead, but the stage failed before its preview adopted it
  if (s.ok()) {
    // Where a rotation's time goes, for operators and rotbench. The proof runs from the swap to
    // its answer, alongside the stage's flushes; the stage's time includes its wait for it.
    spdlog::info(
        "profile '{}': upload validated in {:.2f} ms, staged in {:.2f} ms, proven served "
        "in {:.2f} ms",
        profile_, validate_ms, MsSince(staging), engine_.last_prove_ms_.load());
  }
  return s;
}

}  // namespace rotagent::certz
