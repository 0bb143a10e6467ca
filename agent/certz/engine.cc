#include "agent/certz/engine.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <system_error>

#include "agent/certz/audit_versions.h"
#include "common/failpoint.h"

namespace rotagent::certz {
namespace {

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

std::future<Status> Engine::Preview(const std::string& profile, const std::string& slot,
                                    const store::Slot& candidate) {
  // Set before the swap, so that one that fails half way is withdrawn too; read only once the
  // future is ready.
  previewed_ = profile + "/" + slot;
  try {
    return std::async(std::launch::async, &Engine::ServeAhead, this, profile,
                      ProfileStore::FromSlot(candidate));
  } catch (const std::system_error& e) {  // no thread to be had: prove it here, after all
    spdlog::warn("profile '{}': no thread for the proof ({}); proving it inline", profile,
                 e.what());
    std::promise<Status> done;
    done.set_value(ServeAhead(profile, ProfileStore::FromSlot(candidate)));
    return done.get_future();
  }
}

Status Engine::ServeAhead(const std::string& profile, ProfileMaterial candidate) {
  const auto start = Clock::now();
  auto prove = serving_.ServeCandidate(profile, std::move(candidate));
  if (!prove.ok()) return prove.status();
  if (!*prove) {  // no listener serves the profile: Stage has nothing to skip
    previewed_.clear();
    return Status::Ok();
  }
  Status s = (*prove)();
  last_prove_ms_ = MsSince(start);
  return s;
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
  auto slot = Candidate(entities, force_overwrite);
  if (!slot.ok()) return slot.status();
  const double validate_ms = MsSince(start);
  const auto staging = Clock::now();
  engine_.last_prove_ms_ = 0;
  Status s = session_.txn().Stage(kProfilesDomain, profile_, *slot);
  if (s.ok()) {
    // Where a rotation's time goes, for operators and rotbench. The proof runs while the stage
    // flushes, so the stage's time includes it.
    spdlog::info(
        "profile '{}': upload validated in {:.2f} ms, staged in {:.2f} ms, proven served "
        "in {:.2f} ms",
        profile_, validate_ms, MsSince(staging), engine_.last_prove_ms_);
  }
  return s;
}

}  // namespace rotagent::certz
