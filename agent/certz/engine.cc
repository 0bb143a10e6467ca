#include "agent/certz/engine.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/failpoint.h"

namespace rotagent::certz {
namespace {

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
               EngineSettings settings)
    : store_(store), platform_(platform), serving_(serving), settings_(std::move(settings)) {}

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

Status Engine::RecoverProfile(const std::string& profile) {
  auto committed = store_.Get(profile, Pointer::kCommitted);
  if (committed) {
    ROTAGENT_RETURN_IF_ERROR(store_.Set(profile, Pointer::kLive, *committed));
  } else {
    ROTAGENT_RETURN_IF_ERROR(store_.Clear(profile, Pointer::kLive));
  }
  return platform_.RollbackCert(profile, InstallOf(profile, committed.value_or("")));
}

Status Engine::Recover() {
  std::lock_guard lock(rotation_mu_);
  for (const JournalEntry& j : store_.Journals()) {
    spdlog::warn("profile '{}': rotation interrupted by a restart; rolling back", j.profile);
    if (store_.Exists(j.profile)) ROTAGENT_RETURN_IF_ERROR(RecoverProfile(j.profile));
    ROTAGENT_RETURN_IF_ERROR(store_.CloseJournal(j.profile));
  }
  for (const auto& id : store_.List()) {
    auto committed = store_.Get(id, Pointer::kCommitted);
    if (store_.Get(id, Pointer::kLive) != committed) ROTAGENT_RETURN_IF_ERROR(RecoverProfile(id));
    store_.CollectGarbage(id);
  }
  return Status::Ok();
}

Status Engine::AddProfile(const std::string& id) {
  std::unique_lock lock(rotation_mu_, std::try_to_lock);
  if (!lock) return {Code::kAborted, "a certz Rotate is in progress; retry when it ends"};
  return store_.Create(id);
}

Status Engine::DeleteProfile(const std::string& id) {
  ROTAGENT_RETURN_IF_ERROR(ProfileStore::CheckProfileId(id));
  if (id == kDefaultProfile) {
    return FailedPrecondition("system_default_profile is immutable and cannot be deleted");
  }
  std::unique_lock lock(rotation_mu_, std::try_to_lock);
  if (!lock) return {Code::kAborted, "a certz Rotate is in progress; retry when it ends"};
  if (!store_.Exists(id)) return NotFound("profile '" + id + "' does not exist");
  ROTAGENT_RETURN_IF_ERROR(platform_.RollbackCert(id, std::nullopt));
  ROTAGENT_RETURN_IF_ERROR(store_.Remove(id));
  return serving_.ProfileChanged(id);
}

std::vector<std::string> Engine::ListProfiles() const { return store_.List(); }

Result<std::unique_ptr<Rotation>> Engine::Begin(const std::string& profile) {
  ROTAGENT_RETURN_IF_ERROR(ProfileStore::CheckProfileId(profile));
  if (profile == kDefaultProfile) {
    return FailedPrecondition("system_default_profile is immutable; add a profile and rotate it");
  }
  std::unique_lock lock(rotation_mu_, std::try_to_lock);
  if (!lock) return Status(Code::kAborted, "another certz Rotate is in progress");
  if (!store_.Exists(profile)) {
    return NotFound("profile '" + profile + "' does not exist; create it with AddProfile");
  }
  return std::make_unique<Rotation>(*this, profile, std::move(lock));
}

Status Engine::SetDefaultIdentity(ProfileMaterial m) {
  std::lock_guard lock(rotation_mu_);
  if (!store_.Exists(kDefaultProfile)) ROTAGENT_RETURN_IF_ERROR(store_.Create(kDefaultProfile));
  auto current = store_.Committed(kDefaultProfile);
  if (current && current->chain_pem == m.chain_pem && current->trust_pem == m.trust_pem &&
      current->key_pem == m.key_pem) {
    return Status::Ok();
  }
  auto slot = store_.WriteSlot(kDefaultProfile, m);
  Wipe(m.key_pem);
  if (!slot.ok()) return slot.status();
  ROTAGENT_RETURN_IF_ERROR(store_.Set(kDefaultProfile, Pointer::kLive, *slot));
  ROTAGENT_RETURN_IF_ERROR(store_.Set(kDefaultProfile, Pointer::kCommitted, *slot));
  store_.CollectGarbage(kDefaultProfile);
  return Status::Ok();
}

Rotation::Rotation(Engine& engine, std::string profile, std::unique_lock<std::mutex> lock)
    : engine_(engine),
      profile_(std::move(profile)),
      lock_(std::move(lock)),
      previous_(engine.store_.Get(profile_, Pointer::kCommitted).value_or("")) {}

Rotation::~Rotation() {
  if (!finished_ && staged()) Rollback();
}

Result<std::string> Rotation::GenerateCsr(const CsrSuite& suite, const CsrSubject& subject) {
  if (finished_) return FailedPrecondition("rotation already finished");
  if (staged())
    return FailedPrecondition("generate_csr must come before certificates are uploaded");
  auto key = GenerateKey(suite);
  if (!key.ok()) return key.status();
  auto csr = MakeCsr(key->get(), suite, subject);
  if (!csr.ok()) return csr.status();
  generated_key_ = std::move(*key);
  return csr;
}

Status Rotation::Upload(const std::vector<EntityUpload>& entities, bool force_overwrite) {
  if (finished_) return FailedPrecondition("rotation already finished");
  ProfileStore& store = engine_.store_;
  std::optional<ProfileMaterial> base;
  const std::string& base_slot = staged() ? candidate_ : previous_;
  if (!base_slot.empty()) {
    auto m = store.ReadSlot(profile_, base_slot);
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
  ctx.lookup = [&store, this](const std::string& id) -> std::optional<ProfileMaterial> {
    if (id == profile_ && staged()) {
      auto m = store.ReadSlot(id, candidate_);
      if (m.ok()) return std::move(*m);
    }
    if (!store.Exists(id)) return std::nullopt;
    return store.Committed(id).value_or(ProfileMaterial{});
  };
  auto next = BuildCandidate(entities, ctx);
  if (base) Wipe(base->key_pem);
  if (!next.ok()) return next.status();
  StampRotation(base.value_or(ProfileMaterial{}), *next, ctx.now);
  Status s = Stage(*next);
  Wipe(next->key_pem);
  return s;
}

Status Rotation::Stage(const ProfileMaterial& next) {
  ProfileStore& store = engine_.store_;
  if (!staged()) {
    ROTAGENT_RETURN_IF_ERROR(store.OpenJournal({profile_, previous_, ""}));
    Failpoint("certz.journal_opened");
  }
  auto slot = store.WriteSlot(profile_, next);
  if (!slot.ok()) {
    Rollback();
    return slot.status();
  }
  candidate_ = *slot;
  Status s = store.OpenJournal({profile_, previous_, candidate_});
  if (s.ok()) s = engine_.platform_.StageCert(*engine_.InstallOf(profile_, candidate_));
  Failpoint("certz.platform_staged");
  if (s.ok()) s = store.Set(profile_, Pointer::kLive, candidate_);
  Failpoint("certz.live_switched");
  if (s.ok()) s = engine_.serving_.ProfileChanged(profile_);
  Failpoint("certz.candidate_served");
  if (!s.ok()) {
    spdlog::warn("profile '{}': staging failed, rolling back: {}", profile_, s.message());
    Rollback();
    return s.WithContext("staging failed and was rolled back");
  }
  spdlog::info("profile '{}': candidate staged and served to new connections", profile_);
  return Status::Ok();
}

Status Rotation::Finalize() {
  if (finished_) return FailedPrecondition("rotation already finished");
  if (!staged()) {
    return FailedPrecondition("finalize_rotation received before any certificates were uploaded");
  }
  ProfileStore& store = engine_.store_;
  Status s = engine_.platform_.CommitCert(*engine_.InstallOf(profile_, candidate_));
  Failpoint("certz.platform_committed");
  if (!s.ok()) {
    Rollback();
    return s.WithContext("platform commit failed and the rotation was rolled back");
  }
  ROTAGENT_RETURN_IF_ERROR(store.Set(profile_, Pointer::kCommitted, candidate_));  // commit point
  Failpoint("certz.committed");
  finished_ = true;
  Status closed = store.CloseJournal(profile_);
  Failpoint("certz.journal_closed");
  store.CollectGarbage(profile_);
  spdlog::info("profile '{}': rotation committed", profile_);
  return closed;
}

Status Rotation::RestorePrevious() {
  ProfileStore& store = engine_.store_;
  if (previous_.empty()) {
    ROTAGENT_RETURN_IF_ERROR(store.Clear(profile_, Pointer::kLive));
  } else {
    ROTAGENT_RETURN_IF_ERROR(store.Set(profile_, Pointer::kLive, previous_));
  }
  Status platform =
      engine_.platform_.RollbackCert(profile_, engine_.InstallOf(profile_, previous_));
  Status serving = engine_.serving_.ProfileChanged(profile_);
  return platform.ok() ? serving : platform;
}

void Rotation::Rollback() {
  if (finished_) return;
  finished_ = true;
  if (!staged()) {
    (void)engine_.store_.CloseJournal(profile_);
    return;
  }
  Status s = RestorePrevious();
  if (!s.ok()) {
    // The journal stays open so the next start retries the rollback.
    spdlog::error("profile '{}': rollback incomplete, will retry at start: {}", profile_,
                  s.message());
    return;
  }
  (void)engine_.store_.CloseJournal(profile_);
  engine_.store_.CollectGarbage(profile_);
  spdlog::info("profile '{}': rotation rolled back", profile_);
}

}  // namespace rotagent::certz
