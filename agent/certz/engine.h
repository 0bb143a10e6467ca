// The certz engine: builds profile candidates and runs them through the shared transaction, one
// Rotate at a time. It is also the applier of the profiles domain: it installs a profile version
// through the platform and waits until new handshakes see it. Protobuf stays in the service.
#pragma once

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/caller.h"
#include "agent/certz/candidate.h"
#include "agent/certz/csr.h"
#include "agent/certz/profile_store.h"
#include "agent/certz/tls_serving.h"
#include "agent/rotation_gate.h"
#include "agent/rotation_session.h"
#include "agent/txn/transaction.h"
#include "common/worker.h"
#include "platform/platform.h"

namespace rotagent::certz {

inline constexpr const char* kDefaultProfile = "system_default_profile";

struct EngineSettings {
  KeyPolicy key_policy;
  SizeLimits limits;
  std::function<std::string(const std::string&)> role_of;  // profile id -> "server" | "client"
};

class Engine;

// One Rotate stream's work on a profile, inside the shared rotation session. Destroying it before
// Finalize rolls everything back.
class Rotation {
 public:
  Rotation(Engine& engine, std::string profile, RotationGate::Hold hold, Caller caller);
  Rotation(const Rotation&) = delete;
  Rotation& operator=(const Rotation&) = delete;

  const std::string& profile() const { return profile_; }
  RotationSession& session() { return session_; }
  // Generates a key on the device and returns a PEM CSR; the key stays here until upload.
  Result<std::string> GenerateCsr(const CsrSuite& suite, const CsrSubject& subject);
  // Validates, stages and proves the candidate live. On failure, nothing is left changed.
  Status Upload(const std::vector<EntityUpload>& entities, bool force_overwrite);
  Status Finalize() { return session_.Finalize(); }
  void Rollback(const std::string& reason) { session_.Rollback(reason); }
  bool staged() const { return session_.staged(); }

 private:
  // The validated, lockout-checked candidate in slot form. The base and candidate materials (and
  // so their keys) end with this call; the slot cleanses its copy when it goes.
  Result<store::Slot> Candidate(const std::vector<EntityUpload>& entities, bool force_overwrite);

  Engine& engine_;
  std::string profile_;
  RotationSession session_;
  Caller caller_;
  ossl::Pkey generated_key_;
  // The candidate's trust store, held while the rotation lives so the lockout check and the
  // listener find it built (TrustStore::ForPem) instead of parsing the bundle again.
  std::shared_ptr<const TrustStore> trust_;
};

inline constexpr const char* kProfilesDomain = "profiles";

class Engine : public txn::Applier {
 public:
  // `domains` must map kProfilesDomain to this engine and store's slots.
  Engine(ProfileStore& store, platform::Platform& platform, TlsServing& serving,
         EngineSettings settings, store::Journal& journal, const txn::Domains& domains);

  Status AddProfile(const std::string& id);
  // FAILED_PRECONDITION for the profile the listener serves (the lockout check refuses it).
  Status DeleteProfile(const std::string& id, const Caller& caller = {});
  std::vector<std::string> ListProfiles() const;
  // The committed versions of `profile` for the audit trail (audit_versions.h); "" if none.
  std::string CommittedVersions(const std::string& profile) const;
  // ABORTED while another open rotation runs (one whose stream ended is waited for; `open` says
  // whether this caller's stream is still open); NOT_FOUND / FAILED_PRECONDITION for a bad
  // profile.
  Result<std::unique_ptr<Rotation>> Begin(
      const std::string& profile, Caller caller = {},
      std::function<bool()> open = [] { return true; });
  // Installs system_default_profile's material (bootstrap or vendor files) if it differs.
  Status SetDefaultIdentity(ProfileMaterial m);

  void UpdateSettings(EngineSettings settings);
  // Asked before every rotation; a refusal (e.g. the admin state) is returned as is.
  void SetAdmission(std::function<Status()> admit) { sessions_.SetAdmission(std::move(admit)); }
  // Asked before `profile` changes to `next` (nullptr: deleted): FAILED_PRECONDITION if the
  // listener would then no longer admit `caller`.
  using LockoutCheck = std::function<Status(const Caller& caller, const std::string& profile,
                                            const ProfileMaterial* next)>;
  void SetLockoutCheck(LockoutCheck check) { lockout_ = std::move(check); }

  // txn::Applier for the profiles domain.
  Status Stage(const std::string& profile, const std::string& slot) override;
  // Swaps the listener to the candidate and starts its proof, which the listener answers while
  // the transaction flushes; the future has the answer. The listener's identity lives in memory
  // only, so a crash cannot leave it half done.
  std::future<Status> Preview(const std::string& profile, const std::string& slot,
                              const store::Slot& candidate) override;
  void Withdraw(const std::string& profile) override;
  Status Commit(const std::string& profile, const std::string& slot) override;
  Status Restore(const std::string& profile, const std::string& slot) override;

 private:
  friend class Rotation;
  EngineSettings Settings() const;
  // Serves `chain_pem` and `key` as `profile` ahead of the stage (TlsServing::ServeCandidate)
  // and starts its proof's handshake, so that the listener's new context and answer, and the
  // proof's reading of it, overlap the rest of the validation and the stage's flushes. The
  // stage's Preview adopts it; DropAhead undoes one it did not.
  void ServeAhead(const std::string& profile, const std::string& chain_pem, ossl::Pkey key,
                  const std::string& trust_pem);
  // Puts the listener back if it serves a candidate no Preview adopted; its proof is dropped.
  void DropAhead();
  std::optional<platform::CertInstall> InstallOf(const std::string& profile,
                                                 const std::string& slot) const;

  ProfileStore& store_;
  platform::Platform& platform_;
  TlsServing& serving_;
  store::Journal& journal_;
  const txn::Domains& domains_;
  mutable std::mutex settings_mu_;
  EngineSettings settings_;
  SessionGate sessions_{"another certz Rotate is in progress"};  // also held by profile changes
  // The last served proof's time, for the log; a dropped proof may still write it from the
  // prover's thread.
  std::atomic<double> last_prove_ms_ = 0;
  // Written under sessions_'s gate: the slot the listener serves ahead of the store
  // ("profile/slot"; empty when none).
  std::string previewed_;
  struct Ahead {
    std::string profile;
    bool swapped = false;  // the listener may serve it: putting it back is needed
    std::future<Status> proof;
  };
  std::optional<Ahead> ahead_;
  LockoutCheck lockout_ = [](const Caller&, const std::string&, const ProfileMaterial*) {
    return Status::Ok();
  };
  Worker prover_;  // reads the proofs' answers; last, so that it finishes first
};

}  // namespace rotagent::certz
