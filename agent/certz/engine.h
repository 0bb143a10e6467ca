// The certz transaction engine: the only thing that changes a profile. One rotation at a time;
// each is journaled before the box changes, staged so new handshakes see it, then committed or
// rolled back. Translation to and from protobuf lives in the service, not here.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/certz/candidate.h"
#include "agent/certz/csr.h"
#include "agent/certz/profile_store.h"
#include "agent/certz/tls_serving.h"
#include "platform/platform.h"

namespace rotagent::certz {

inline constexpr const char* kDefaultProfile = "system_default_profile";

struct EngineSettings {
  KeyPolicy key_policy;
  SizeLimits limits;
  std::function<std::string(const std::string&)> role_of;  // profile id -> "server" | "client"
};

class Engine;

// One Rotate stream's transaction. Destroying it before Finalize rolls everything back.
class Rotation {
 public:
  Rotation(Engine& engine, std::string profile, std::unique_lock<std::mutex> lock);
  Rotation(const Rotation&) = delete;
  Rotation& operator=(const Rotation&) = delete;
  ~Rotation();

  const std::string& profile() const { return profile_; }
  // Generates a key on the device and returns a PEM CSR; the key stays here until upload.
  Result<std::string> GenerateCsr(const CsrSuite& suite, const CsrSubject& subject);
  // Validates, stages and proves the candidate live. On failure, nothing is left changed.
  Status Upload(const std::vector<EntityUpload>& entities, bool force_overwrite);
  Status Finalize();
  void Rollback();
  bool staged() const { return !candidate_.empty(); }

 private:
  Status Stage(const ProfileMaterial& next);
  Status RestorePrevious();

  Engine& engine_;
  std::string profile_;
  std::unique_lock<std::mutex> lock_;
  std::string previous_;   // committed slot at begin; empty if none
  std::string candidate_;  // staged slot; empty until an upload is staged
  ossl::Pkey generated_key_;
  bool finished_ = false;
};

class Engine {
 public:
  Engine(ProfileStore& store, platform::Platform& platform, TlsServing& serving,
         EngineSettings settings);

  // Rolls back every transaction a crash left open and makes the box match what is committed.
  Status Recover();

  Status AddProfile(const std::string& id);
  Status DeleteProfile(const std::string& id);
  std::vector<std::string> ListProfiles() const;
  // ABORTED while another rotation runs; NOT_FOUND / FAILED_PRECONDITION for a bad profile.
  Result<std::unique_ptr<Rotation>> Begin(const std::string& profile);
  // Installs system_default_profile's material (bootstrap or vendor files) if it differs.
  Status SetDefaultIdentity(ProfileMaterial m);

  void UpdateSettings(EngineSettings settings);

 private:
  friend class Rotation;
  EngineSettings Settings() const;
  std::optional<platform::CertInstall> InstallOf(const std::string& profile,
                                                 const std::string& slot) const;
  Status RecoverProfile(const std::string& profile);

  ProfileStore& store_;
  platform::Platform& platform_;
  TlsServing& serving_;
  mutable std::mutex settings_mu_;
  EngineSettings settings_;
  std::mutex rotation_mu_;  // held by the one open Rotation, and by profile changes
};

}  // namespace rotagent::certz
