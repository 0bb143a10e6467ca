// Certz profiles in the versioned slot store: one item per profile, under <state>/profiles, whose
// slots hold chain.pem, key.pem (0600), trust.pem, crl.pem and policy.bin together.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "agent/certz/material.h"
#include "agent/store/slot_store.h"
#include "common/status.h"

namespace rotagent::certz {

using store::Pointer;

class ProfileStore {
 public:
  explicit ProfileStore(const std::filesystem::path& state_dir);

  Status Init() { return slots_.Init(); }
  static Status CheckProfileId(const std::string& id);

  std::vector<std::string> List() const { return slots_.List(); }
  bool Exists(const std::string& id) const { return slots_.Exists(id); }
  Status Create(const std::string& id) { return slots_.Create(id); }
  Status Remove(const std::string& id) { return slots_.Remove(id); }

  // The slot form of `m`; the slot cleanses its copy of the key when it is destroyed.
  static store::Slot ToSlot(const ProfileMaterial& m);
  // The material a slot holds (a copy).
  static ProfileMaterial FromSlot(const store::Slot& s);
  // A slot's trust bundle and CRL bundle as PEM, read in place (empty when it holds none).
  static const std::string& TrustPem(const store::Slot& s);
  static const std::string& CrlPem(const store::Slot& s);
  Result<std::string> WriteSlot(const std::string& id, const ProfileMaterial& m);
  Result<ProfileMaterial> ReadSlot(const std::string& id, const std::string& slot) const;
  // Versions and timestamps only; no material (and so no key) is read.
  Result<ProfileMaterial> ReadMeta(const std::string& id, const std::string& slot) const;
  std::filesystem::path SlotDir(const std::string& id, const std::string& slot) const {
    return slots_.SlotDir(id, slot);
  }

  std::optional<std::string> Get(const std::string& id, Pointer p) const {
    return slots_.Get(id, p);
  }
  Status Set(const std::string& id, Pointer p, const std::string& slot) {
    return slots_.Set(id, p, slot);
  }
  // The committed version, or nullopt for a profile that has never been rotated.
  std::optional<ProfileMaterial> Committed(const std::string& id) const;
  void CollectGarbage(const std::string& id) { slots_.CollectGarbage(id); }

  store::SlotStore& slots() { return slots_; }

 private:
  store::SlotStore slots_;
};

}  // namespace rotagent::certz
