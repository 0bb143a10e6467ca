#include "agent/certz/profile_store.h"

namespace rotagent::certz {
namespace {

constexpr const char* kIdLabel = "ssl_profile_id";

// File and entity names inside a profile slot; the key, a Secret, has its own file.
constexpr const char* kKeyFile = "key.pem";
constexpr const char* kTrustFile = "trust.pem";
constexpr const char* kCrlFile = "crl.pem";
struct Field {
  const char* file;
  std::string ProfileMaterial::*data;
};
constexpr Field kFiles[] = {{"chain.pem", &ProfileMaterial::chain_pem},
                            {kTrustFile, &ProfileMaterial::trust_pem},
                            {kCrlFile, &ProfileMaterial::crl_pem},
                            {"policy.bin", &ProfileMaterial::policy}};
struct Entity {
  const char* name;
  EntityMeta ProfileMaterial::*meta;
};
constexpr Entity kEntities[] = {{"chain", &ProfileMaterial::chain},
                                {"trust", &ProfileMaterial::trust},
                                {"crl", &ProfileMaterial::crl},
                                {"auth_policy", &ProfileMaterial::auth_policy}};

ProfileMaterial FromSlot(store::Slot& s) {
  ProfileMaterial m;
  for (const auto& f : kFiles) {
    auto it = s.files.find(f.file);
    if (it != s.files.end()) m.*f.data = std::move(it->second);
  }
  if (auto it = s.files.find(kKeyFile); it != s.files.end()) {
    m.key_pem = Secret(std::move(it->second));  // moved, and the slot's string cleansed
  }
  for (const auto& e : kEntities) m.*e.meta = s.Meta(e.name);
  return m;
}

}  // namespace

ProfileStore::ProfileStore(const std::filesystem::path& state_dir)
    : slots_(state_dir / "profiles", kIdLabel) {}

Status ProfileStore::CheckProfileId(const std::string& id) {
  return store::SlotStore({}, kIdLabel).CheckId(id);
}

ProfileMaterial ProfileStore::FromSlot(const store::Slot& s) {
  store::Slot copy = s;
  return certz::FromSlot(copy);
}

namespace {
// A file of `s` in place; empty when it has none.
const std::string& FileOf(const store::Slot& s, const char* name) {
  static const std::string kNone;
  const std::string* f = s.File(name);
  return f != nullptr ? *f : kNone;
}
}  // namespace

const std::string& ProfileStore::TrustPem(const store::Slot& s) { return FileOf(s, kTrustFile); }

const std::string& ProfileStore::CrlPem(const store::Slot& s) { return FileOf(s, kCrlFile); }

store::Slot ProfileStore::ToSlot(const ProfileMaterial& m) {
  store::Slot s;
  for (const auto& f : kFiles) {
    if (!(m.*f.data).empty()) s.files[f.file] = m.*f.data;
  }
  if (!m.key_pem.empty()) s.files[kKeyFile] = m.key_pem.reveal();  // the slot cleanses its copy
  for (const auto& e : kEntities) s.meta[e.name] = m.*e.meta;
  return s;
}

Result<std::string> ProfileStore::WriteSlot(const std::string& id, const ProfileMaterial& m) {
  return slots_.Write(id, ToSlot(m));
}

Result<ProfileMaterial> ProfileStore::ReadSlot(const std::string& id,
                                               const std::string& slot) const {
  auto s = slots_.Read(id, slot);
  if (!s.ok()) return s.status();
  return FromSlot(*s);
}

Result<ProfileMaterial> ProfileStore::ReadMeta(const std::string& id,
                                               const std::string& slot) const {
  auto s = slots_.ReadMeta(id, slot);
  if (!s.ok()) return s.status();
  return FromSlot(*s);
}

std::optional<ProfileMaterial> ProfileStore::Committed(const std::string& id) const {
  auto s = slots_.Committed(id);
  if (!s) return std::nullopt;
  return FromSlot(*s);
}

}  // namespace rotagent::certz
