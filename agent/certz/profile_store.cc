#include "agent/certz/profile_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/failpoint.h"

namespace rotagent::certz {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr mode_t kDirMode = 0700;
constexpr mode_t kFileMode = 0600;
constexpr const char* kTmpPrefix = ".tmp-";

json MetaJson(const EntityMeta& m) {
  return {{"version", m.version}, {"created_on", m.created_on}, {"rotated_at", m.rotated_at}};
}

EntityMeta MetaFrom(const json& j) {
  EntityMeta m;
  if (!j.is_object()) return m;
  m.version = j.value("version", "");
  m.created_on = j.value("created_on", uint64_t{0});
  m.rotated_at = j.value("rotated_at", int64_t{0});
  return m;
}

std::string NewSlotName() {
  static std::atomic<unsigned> counter{0};
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return std::to_string(ns) + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

const char* PointerName(Pointer p) { return p == Pointer::kCommitted ? "committed" : "live"; }

Result<std::string> ReadOptional(const fs::path& p) {
  auto r = ReadFile(p);
  if (!r.ok() && r.status().code() == Code::kNotFound) return std::string();
  return r;
}

}  // namespace

ProfileStore::ProfileStore(fs::path state_dir) : state_dir_(std::move(state_dir)) {}

Status ProfileStore::Init() {
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(state_dir_ / "profiles", kDirMode));
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(state_dir_ / "profiles", ec)) {
    if (e.path().filename().string().rfind(kTmpPrefix, 0) == 0) fs::remove_all(e.path(), ec);
  }
  return MakeDirs(state_dir_ / "journal", kDirMode);
}

Status ProfileStore::CheckProfileId(const std::string& id) {
  if (id.empty()) return InvalidArgument("ssl_profile_id is empty");
  if (id.size() > 128) return InvalidArgument("ssl_profile_id is longer than 128 characters");
  bool safe = std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
  if (!safe || id[0] == '.') {
    return InvalidArgument(
        "ssl_profile_id '" + id +
        "' may only hold letters, digits, '-', '_' and '.', and not start with '.'");
  }
  return Status::Ok();
}

fs::path ProfileStore::ProfileDir(const std::string& id) const {
  return state_dir_ / "profiles" / id;
}

fs::path ProfileStore::SlotDir(const std::string& id, const std::string& slot) const {
  return ProfileDir(id) / "slots" / slot;
}

std::vector<std::string> ProfileStore::List() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(state_dir_ / "profiles", ec)) {
    std::string name = e.path().filename().string();
    if (e.is_directory() && name[0] != '.') out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool ProfileStore::Exists(const std::string& id) const {
  return CheckProfileId(id).ok() && fs::is_directory(ProfileDir(id));
}

Status ProfileStore::Create(const std::string& id) {
  ROTAGENT_RETURN_IF_ERROR(CheckProfileId(id));
  if (Exists(id)) return {Code::kAlreadyExists, "profile '" + id + "' already exists"};
  return MakeDirs(ProfileDir(id) / "slots", kDirMode);
}

Status ProfileStore::Remove(const std::string& id) {
  ROTAGENT_RETURN_IF_ERROR(CheckProfileId(id));
  if (!Exists(id)) return NotFound("profile '" + id + "' does not exist");
  // Rename first so a crash never leaves a half-deleted profile that still looks present.
  fs::path doomed = state_dir_ / "profiles" / (kTmpPrefix + id + "-" + NewSlotName());
  std::error_code ec;
  fs::rename(ProfileDir(id), doomed, ec);
  if (ec) return Internal("cannot remove profile '" + id + "': " + ec.message());
  ROTAGENT_RETURN_IF_ERROR(FsyncDir(state_dir_ / "profiles"));
  fs::remove_all(doomed, ec);
  return Status::Ok();
}

Result<std::string> ProfileStore::WriteSlot(const std::string& id, const ProfileMaterial& m) {
  const std::string slot = NewSlotName();
  const fs::path slots = ProfileDir(id) / "slots";
  const fs::path tmp = slots / (kTmpPrefix + slot);
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(tmp, kDirMode));
  json meta = {{"chain", MetaJson(m.chain)},
               {"trust", MetaJson(m.trust)},
               {"crl", MetaJson(m.crl)},
               {"auth_policy", MetaJson(m.auth_policy)}};
  const std::pair<const char*, const std::string*> files[] = {{"chain.pem", &m.chain_pem},
                                                              {"key.pem", &m.key_pem},
                                                              {"trust.pem", &m.trust_pem},
                                                              {"crl.pem", &m.crl_pem},
                                                              {"policy.bin", &m.policy}};
  for (const auto& [name, data] : files) {
    if (data->empty()) continue;
    ROTAGENT_RETURN_IF_ERROR(WriteFileAtomic(tmp / name, *data, kFileMode));
  }
  ROTAGENT_RETURN_IF_ERROR(WriteFileAtomic(tmp / "meta.json", meta.dump(), kFileMode));
  std::error_code ec;
  fs::rename(tmp, slots / slot, ec);
  if (ec) return Internal("cannot publish slot for profile '" + id + "': " + ec.message());
  ROTAGENT_RETURN_IF_ERROR(FsyncDir(slots));
  Failpoint("store.slot_written");
  return slot;
}

Result<ProfileMaterial> ProfileStore::ReadMeta(const std::string& id,
                                               const std::string& slot) const {
  const fs::path dir = SlotDir(id, slot);
  auto meta_text = ReadFile(dir / "meta.json");
  if (!meta_text.ok()) return meta_text.status();
  json meta = json::parse(*meta_text, nullptr, false);
  if (meta.is_discarded()) return Internal("corrupt metadata in " + dir.string());
  ProfileMaterial m;
  m.chain = MetaFrom(meta["chain"]);
  m.trust = MetaFrom(meta["trust"]);
  m.crl = MetaFrom(meta["crl"]);
  m.auth_policy = MetaFrom(meta["auth_policy"]);
  return m;
}

Result<ProfileMaterial> ProfileStore::ReadSlot(const std::string& id,
                                               const std::string& slot) const {
  auto meta = ReadMeta(id, slot);
  if (!meta.ok()) return meta.status();
  ProfileMaterial& m = *meta;
  const fs::path dir = SlotDir(id, slot);
  const std::pair<const char*, std::string*> files[] = {{"chain.pem", &m.chain_pem},
                                                        {"key.pem", &m.key_pem},
                                                        {"trust.pem", &m.trust_pem},
                                                        {"crl.pem", &m.crl_pem},
                                                        {"policy.bin", &m.policy}};
  for (const auto& [name, data] : files) {
    auto r = ReadOptional(dir / name);
    if (!r.ok()) return r.status();
    *data = std::move(*r);
  }
  return meta;  // moved, so the key is not copied
}

std::optional<std::string> ProfileStore::Get(const std::string& id, Pointer p) const {
  std::error_code ec;
  fs::path target = fs::read_symlink(ProfileDir(id) / PointerName(p), ec);
  if (ec) return std::nullopt;
  return target.filename().string();
}

Status ProfileStore::Set(const std::string& id, Pointer p, const std::string& slot) {
  return ReplaceSymlink(ProfileDir(id) / PointerName(p), fs::path("slots") / slot);
}

Status ProfileStore::Clear(const std::string& id, Pointer p) {
  std::error_code ec;
  fs::remove(ProfileDir(id) / PointerName(p), ec);
  if (ec) return Internal("cannot clear " + std::string(PointerName(p)) + " of '" + id + "'");
  return FsyncDir(ProfileDir(id));
}

std::optional<ProfileMaterial> ProfileStore::Committed(const std::string& id) const {
  auto slot = Get(id, Pointer::kCommitted);
  if (!slot) return std::nullopt;
  auto m = ReadSlot(id, *slot);
  if (!m.ok()) return std::nullopt;
  return std::move(*m);
}

Status ProfileStore::OpenJournal(const JournalEntry& e) {
  json j = {{"profile", e.profile}, {"previous", e.previous}, {"candidate", e.candidate}};
  return WriteFileAtomic(state_dir_ / "journal" / (e.profile + ".json"), j.dump(), kFileMode);
}

Status ProfileStore::CloseJournal(const std::string& id) {
  std::error_code ec;
  fs::remove(state_dir_ / "journal" / (id + ".json"), ec);
  if (ec) return Internal("cannot close journal of profile '" + id + "': " + ec.message());
  return FsyncDir(state_dir_ / "journal");
}

std::vector<JournalEntry> ProfileStore::Journals() const {
  std::vector<JournalEntry> out;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(state_dir_ / "journal", ec)) {
    if (f.path().extension() != ".json") continue;
    auto text = ReadFile(f.path());
    if (!text.ok()) continue;
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded()) continue;  // a torn write cannot happen; a foreign file is ignored
    out.push_back({j.value("profile", ""), j.value("previous", ""), j.value("candidate", "")});
  }
  return out;
}

void ProfileStore::CollectGarbage(const std::string& id) {
  auto committed = Get(id, Pointer::kCommitted);
  auto live = Get(id, Pointer::kLive);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(ProfileDir(id) / "slots", ec)) {
    std::string name = e.path().filename().string();
    if (name == committed || name == live) continue;
    fs::remove_all(e.path(), ec);
  }
  // Links left by an interrupted ReplaceSymlink.
  for (const auto& e : fs::directory_iterator(ProfileDir(id), ec)) {
    if (e.path().filename().string().find(".tmp.") != std::string::npos) fs::remove(e.path(), ec);
  }
}

}  // namespace rotagent::certz
