#include "agent/store/slot_store.h"

#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/failpoint.h"

namespace rotagent::store {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr mode_t kDirMode = 0700;
constexpr mode_t kFileMode = 0600;
constexpr const char* kTmpPrefix = ".tmp-";
constexpr const char* kMetaFile = "meta.json";
// A rotation retires one slot and the next takes it over; more would only hold disk space (a
// profile with a trust bundle of 20,000 CAs holds 8 MB).
constexpr size_t kSpares = 1;

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

// Writes the files of `s` and its meta.json into `dir`: new files into a new directory, or over
// the files of a retired one, whose files `s` lacks are removed.
Status FillSlotDir(const fs::path& dir, const Slot& s, bool reused) {
  const auto write = reused ? OverwriteFileUnsynced : WriteNewFileUnsynced;
  json meta = json::object();
  for (const auto& [entity, m] : s.meta) meta[entity] = MetaJson(m);
  for (const auto& [name, data] : s.files) {
    ROTAGENT_RETURN_IF_ERROR(write(dir / name, data, kFileMode));
  }
  ROTAGENT_RETURN_IF_ERROR(write(dir / kMetaFile, meta.dump(), kFileMode));
  if (!reused) return Status::Ok();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name != kMetaFile && s.files.count(name) == 0) fs::remove_all(e.path(), ec);
  }
  if (ec) return Internal("cannot clear " + dir.string() + ": " + ec.message());
  return Status::Ok();
}

const char* PointerName(Pointer p) { return p == Pointer::kCommitted ? "committed" : "live"; }

bool SafeName(const std::string& s) {
  return !s.empty() && s[0] != '.' && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

Slot& Slot::operator=(const Slot& other) {
  if (this != &other) {
    CleanseFiles();
    files = other.files;
    meta = other.meta;
  }
  return *this;
}

Slot& Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    CleanseFiles();
    files = std::move(other.files);
    meta = std::move(other.meta);
  }
  return *this;
}

// The whole capacity, as Secret does: a string shrunk earlier keeps old bytes past its size.
void Slot::CleanseFiles() noexcept {
  for (auto& [name, data] : files) {
    data.resize(data.capacity());
    OPENSSL_cleanse(data.data(), data.size());
    data.clear();
  }
}

SlotStore::SlotStore(fs::path root, std::string id_label)
    : root_(std::move(root)), id_label_(std::move(id_label)) {}

Status SlotStore::Init() {
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(root_, kDirMode));
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_, ec)) {
    if (e.path().filename().string().rfind(kTmpPrefix, 0) == 0) fs::remove_all(e.path(), ec);
  }
  return Status::Ok();
}

Status SlotStore::CheckId(const std::string& id) const {
  if (id.empty()) return InvalidArgument(id_label_ + " is empty");
  if (id.size() > 128) return InvalidArgument(id_label_ + " is longer than 128 characters");
  if (!SafeName(id)) {
    return InvalidArgument(id_label_ + " '" + id +
                           "' may only hold letters, digits, '-', '_' and '.', and not start "
                           "with '.'");
  }
  return Status::Ok();
}

fs::path SlotStore::ItemDir(const std::string& id) const { return root_ / id; }

fs::path SlotStore::SlotDir(const std::string& id, const std::string& slot) const {
  return ItemDir(id) / "slots" / slot;
}

std::vector<std::string> SlotStore::List() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_, ec)) {
    std::string name = e.path().filename().string();
    if (e.is_directory() && name[0] != '.') out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool SlotStore::Exists(const std::string& id) const {
  return CheckId(id).ok() && fs::is_directory(ItemDir(id));
}

Status SlotStore::Create(const std::string& id) {
  ROTAGENT_RETURN_IF_ERROR(CheckId(id));
  if (Exists(id)) return {Code::kAlreadyExists, id_label_ + " '" + id + "' already exists"};
  return MakeDirs(ItemDir(id) / "slots", kDirMode);
}

Status SlotStore::Remove(const std::string& id) {
  ROTAGENT_RETURN_IF_ERROR(CheckId(id));
  if (!Exists(id)) return NotFound(id_label_ + " '" + id + "' does not exist");
  // Rename first so a crash never leaves a half-deleted item that still looks present.
  fs::path doomed = root_ / (kTmpPrefix + id + "-" + NewSlotName());
  std::error_code ec;
  fs::rename(ItemDir(id), doomed, ec);
  if (ec) return Internal("cannot remove " + id_label_ + " '" + id + "': " + ec.message());
  Forget(id, [](const std::string&) { return true; });
  DropSpares(id);
  ROTAGENT_RETURN_IF_ERROR(FsyncDir(root_));
  fs::remove_all(doomed, ec);
  return Status::Ok();
}

Result<std::string> SlotStore::Write(const std::string& id, const Slot& s) {
  // Every file is written first and then all are flushed with one syncfs, which also makes the
  // private directory's entries durable; then one rename and one fsync of `slots`.
  auto u = WriteUnpublished(id, s);
  if (!u.ok()) return u.status();
  ROTAGENT_RETURN_IF_ERROR(SyncFilesystem(u->dir));
  ROTAGENT_RETURN_IF_ERROR(Publish(*u));
  ROTAGENT_RETURN_IF_ERROR(FsyncDir(ItemDir(id) / "slots"));
  return u->name;
}

// The slot is built in a private directory and published with one rename. A crash leaves a .tmp-
// directory that garbage collection removes.
Result<SlotStore::Unpublished> SlotStore::WriteUnpublished(const std::string& id, const Slot& s) {
  const std::string slot = NewSlotName();
  const fs::path tmp = ItemDir(id) / "slots" / (kTmpPrefix + slot);
  for (const auto& [name, data] : s.files) {
    if (!SafeName(name) || name == kMetaFile) return Internal("bad slot file name '" + name + "'");
  }
  // A retired directory that cannot be reused as it is (a file that is not one of the agent's
  // with a single link, say) is garbage like any other, and a new one is made.
  if (!Reuse(id, tmp) || !FillSlotDir(tmp, s, true).ok()) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    if (mkdir(tmp.c_str(), kDirMode) != 0 || chmod(tmp.c_str(), kDirMode) != 0) {
      return Internal("cannot create " + tmp.string() + ": " + std::strerror(errno));
    }
    ROTAGENT_RETURN_IF_ERROR(FillSlotDir(tmp, s, false));
  }
  Remember(id, slot, s);  // the name is new: nothing reads it before it is published
  return Unpublished{id, slot, tmp};
}

Status SlotStore::Publish(const Unpublished& u) {
  std::error_code ec;
  fs::rename(u.dir, ItemDir(u.id) / "slots" / u.name, ec);
  if (ec) {
    return Internal("cannot publish slot of " + id_label_ + " '" + u.id + "': " + ec.message());
  }
  Failpoint("store.slot_written");
  return Status::Ok();
}

void SlotStore::Remember(const std::string& id, const std::string& slot, const Slot& s) const {
  std::lock_guard lock(meta_mu_);
  metas_[id][slot] = s.meta;
}

void SlotStore::Forget(const std::string& id, const std::function<bool(const std::string&)>& gone) {
  std::lock_guard lock(meta_mu_);
  auto item = metas_.find(id);
  if (item == metas_.end()) return;
  std::erase_if(item->second, [&](const auto& entry) { return gone(entry.first); });
  if (item->second.empty()) metas_.erase(item);
}

Result<Slot> SlotStore::ReadMeta(const std::string& id, const std::string& slot) const {
  {
    std::lock_guard lock(meta_mu_);
    auto item = metas_.find(id);
    if (item != metas_.end()) {
      auto known = item->second.find(slot);
      if (known != item->second.end()) {
        Slot s;
        s.meta = known->second;
        return s;
      }
    }
  }
  const fs::path dir = SlotDir(id, slot);
  auto text = ReadFile(dir / kMetaFile);
  if (!text.ok()) return text.status();
  json meta = json::parse(*text, nullptr, false);
  if (!meta.is_object()) return Internal("corrupt metadata in " + dir.string());
  Slot s;
  for (const auto& [entity, m] : meta.items()) s.meta[entity] = MetaFrom(m);
  Remember(id, slot, s);
  return s;
}

Result<std::optional<std::string>> SlotStore::ReadOne(const std::string& id,
                                                      const std::string& slot,
                                                      const std::string& file) const {
  auto data = ReadFile(SlotDir(id, slot) / file);
  if (data.ok()) return std::optional<std::string>(std::move(*data));
  if (data.status().code() == Code::kNotFound) return std::optional<std::string>();
  return data.status();
}

Result<Slot> SlotStore::Read(const std::string& id, const std::string& slot) const {
  auto s = ReadMeta(id, slot);
  if (!s.ok()) return s.status();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(SlotDir(id, slot), ec)) {
    const std::string name = e.path().filename().string();
    if (name == kMetaFile || !e.is_regular_file()) continue;
    auto data = ReadFile(e.path());
    if (!data.ok()) return data.status();
    s->files[name] = std::move(*data);
  }
  if (ec) return Internal("cannot list slot " + SlotDir(id, slot).string() + ": " + ec.message());
  return s;
}

std::optional<std::string> SlotStore::Get(const std::string& id, Pointer p) const {
  std::error_code ec;
  fs::path target = fs::read_symlink(ItemDir(id) / PointerName(p), ec);
  if (ec) return std::nullopt;
  return target.filename().string();
}

Status SlotStore::Set(const std::string& id, Pointer p, const std::string& slot) {
  return ReplaceSymlink(ItemDir(id) / PointerName(p), fs::path("slots") / slot);
}

Status SlotStore::SetPending(const std::string& id, Pointer p, const std::string& slot) {
  return ReplaceSymlinkUnsynced(ItemDir(id) / PointerName(p), fs::path("slots") / slot);
}

Status SlotStore::Clear(const std::string& id, Pointer p) {
  std::error_code ec;
  fs::remove(ItemDir(id) / PointerName(p), ec);
  if (ec) return Internal("cannot clear " + std::string(PointerName(p)) + " of '" + id + "'");
  return FsyncDir(ItemDir(id));
}

Status SlotStore::Point(const std::string& id, Pointer p, const std::string& slot) {
  return slot.empty() ? Clear(id, p) : Set(id, p, slot);
}

std::optional<Slot> SlotStore::Committed(const std::string& id) const {
  auto slot = Get(id, Pointer::kCommitted);
  if (!slot) return std::nullopt;
  auto s = Read(id, *slot);
  if (!s.ok()) return std::nullopt;
  return std::move(*s);
}

void SlotStore::Retire(const std::string& id, const std::string& slot) {
  if (!SafeName(slot)) return;
  if (Get(id, Pointer::kCommitted) == slot || Get(id, Pointer::kLive) == slot) return;
  Forget(id, [&](const std::string& s) { return s == slot; });
  {
    std::lock_guard lock(spares_mu_);
    auto& spares = spares_[id];
    if (spares.size() < kSpares) {
      spares.push_back(slot);
      return;
    }
  }
  std::error_code ec;
  fs::remove_all(SlotDir(id, slot), ec);
}

bool SlotStore::Reuse(const std::string& id, const fs::path& dir) {
  for (;;) {
    std::string spare;
    {
      std::lock_guard lock(spares_mu_);
      auto it = spares_.find(id);
      if (it == spares_.end() || it->second.empty()) return false;
      spare = std::move(it->second.back());
      it->second.pop_back();
    }
    // A spare that garbage collection removed meanwhile is simply gone.
    if (rename(SlotDir(id, spare).c_str(), dir.c_str()) != 0) continue;
    // Only a private directory of the agent's own is written into (no symlink to elsewhere).
    struct stat st {};
    return lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
           (st.st_mode & 07777) == kDirMode;
  }
}

void SlotStore::DropSpares(const std::string& id) {
  std::lock_guard lock(spares_mu_);
  spares_.erase(id);
}

void SlotStore::CollectGarbage(const std::string& id) {
  DropSpares(id);
  auto committed = Get(id, Pointer::kCommitted);
  auto live = Get(id, Pointer::kLive);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(ItemDir(id) / "slots", ec)) {
    std::string name = e.path().filename().string();
    if (name == committed || name == live) continue;
    fs::remove_all(e.path(), ec);
  }
  Forget(id, [&](const std::string& slot) { return slot != committed && slot != live; });
  // Links left by an interrupted ReplaceSymlink.
  for (const auto& e : fs::directory_iterator(ItemDir(id), ec)) {
    if (e.path().filename().string().find(".rotagent-tmp.") != std::string::npos) {
      fs::remove(e.path(), ec);
    }
  }
}

}  // namespace rotagent::store
