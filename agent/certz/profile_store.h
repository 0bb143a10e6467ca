// Durable store of certz profiles, after Kubernetes' atomic writer: every version is a new,
// never-overwritten slot directory, and a profile's state is two symlinks renamed atomically:
//   profiles/<id>/slots/<slot>/{chain,key,trust,crl}.pem, policy.bin, meta.json
//   profiles/<id>/committed -> slots/<slot>   what survives a restart
//   profiles/<id>/live      -> slots/<slot>   what the box uses now (a candidate while staged)
//   journal/<id>.json                        an open transaction on that profile
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "agent/certz/material.h"
#include "common/status.h"

namespace rotagent::certz {

enum class Pointer { kCommitted, kLive };

struct JournalEntry {
  std::string profile;
  std::string previous;   // committed slot when the transaction began; empty if none
  std::string candidate;  // slot being staged; empty until written
};

class ProfileStore {
 public:
  explicit ProfileStore(std::filesystem::path state_dir);

  Status Init();
  // Profile ids become directory names, so only a safe alphabet is accepted.
  static Status CheckProfileId(const std::string& id);

  std::vector<std::string> List() const;
  bool Exists(const std::string& id) const;
  Status Create(const std::string& id);
  Status Remove(const std::string& id);

  // Writes `m` as a new slot (complete or absent, never partial) and returns its name.
  Result<std::string> WriteSlot(const std::string& id, const ProfileMaterial& m);
  Result<ProfileMaterial> ReadSlot(const std::string& id, const std::string& slot) const;
  // Versions and timestamps only; no material (and so no key) is read.
  Result<ProfileMaterial> ReadMeta(const std::string& id, const std::string& slot) const;
  std::filesystem::path SlotDir(const std::string& id, const std::string& slot) const;

  std::optional<std::string> Get(const std::string& id, Pointer p) const;
  Status Set(const std::string& id, Pointer p, const std::string& slot);
  Status Clear(const std::string& id, Pointer p);
  // The committed version, or nullopt for a profile that has never been rotated.
  std::optional<ProfileMaterial> Committed(const std::string& id) const;

  Status OpenJournal(const JournalEntry& e);
  Status CloseJournal(const std::string& id);
  std::vector<JournalEntry> Journals() const;

  // Removes slots that neither pointer names, and unfinished slot writes.
  void CollectGarbage(const std::string& id);

 private:
  std::filesystem::path ProfileDir(const std::string& id) const;
  std::filesystem::path state_dir_;
};

}  // namespace rotagent::certz
