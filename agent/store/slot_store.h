// Durable versioned store, after Kubernetes' atomic writer. Every version of an item (a certz
// profile, an account, the SSH host parameters) is a new slot directory, never changed once
// published (a later version may take over a retired one's directory, under a new name), and
// the item's state is two symlinks switched by rename:
//   <root>/<id>/slots/<slot>/<file>...  meta.json
//   <root>/<id>/committed -> slots/<slot>   what survives a restart
//   <root>/<id>/live      -> slots/<slot>   what the box uses now (a candidate while staged)
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/store/entity_meta.h"
#include "common/status.h"

namespace rotagent::store {

// One complete version of an item: every file and entity changes together. Its files may hold a
// private key or a password hash, so the contents are cleansed when the slot is destroyed or
// assigned over, as a Secret is.
struct Slot {
  std::map<std::string, std::string> files;  // name -> contents, all written 0600
  std::map<std::string, EntityMeta> meta;    // entity name -> identity as sent

  Slot() = default;
  Slot(const Slot&) = default;
  Slot(Slot&&) noexcept = default;  // the source's leftovers are cleansed by its destructor
  Slot& operator=(const Slot& other);
  Slot& operator=(Slot&& other) noexcept;
  ~Slot() { CleanseFiles(); }

  const std::string* File(const std::string& name) const {
    auto it = files.find(name);
    return it == files.end() ? nullptr : &it->second;
  }
  EntityMeta Meta(const std::string& entity) const {
    auto it = meta.find(entity);
    return it == meta.end() ? EntityMeta{} : it->second;
  }

 private:
  void CleanseFiles() noexcept;
};

enum class Pointer { kCommitted, kLive };

class SlotStore {
 public:
  // `id_label` names ids in errors ("ssl_profile_id", "account").
  SlotStore(std::filesystem::path root, std::string id_label);

  Status Init();
  // Ids become directory names, so only a safe alphabet is accepted.
  Status CheckId(const std::string& id) const;

  std::vector<std::string> List() const;
  bool Exists(const std::string& id) const;
  Status Create(const std::string& id);
  Status Remove(const std::string& id);

  // Writes `s` as a new slot (complete or absent, never partial) and returns its name.
  Result<std::string> Write(const std::string& id, const Slot& s);
  // Write in two halves, for a caller that flushes several writes at once: WriteUnpublished
  // leaves the files in a private directory and Publish gives it its name. Neither flushes: the
  // caller's SyncFilesystem follows Publish, and WriteUnpublished too unless a crash before the
  // flush ends leaves nothing that names the slot (garbage collection removes it).
  struct Unpublished {
    std::string id, name;
    std::filesystem::path dir;
  };
  Result<Unpublished> WriteUnpublished(const std::string& id, const Slot& s);
  Status Publish(const Unpublished& u);
  Result<Slot> Read(const std::string& id, const std::string& slot) const;
  // One file of a slot (nullopt if the slot has none); the others are not read.
  Result<std::optional<std::string>> ReadOne(const std::string& id, const std::string& slot,
                                             const std::string& file) const;
  // Entity identities only; no file (and so no secret) is read. A slot never changes once
  // written, so each is read from disk once (until garbage collection removes it).
  Result<Slot> ReadMeta(const std::string& id, const std::string& slot) const;
  std::filesystem::path SlotDir(const std::string& id, const std::string& slot) const;

  std::optional<std::string> Get(const std::string& id, Pointer p) const;
  Status Set(const std::string& id, Pointer p, const std::string& slot);
  // Set without the directory fsync, for a switch an open journal entry already covers: it is
  // made durable by the transaction's SyncFilesystem before the entry goes.
  Status SetPending(const std::string& id, Pointer p, const std::string& slot);
  Status Clear(const std::string& id, Pointer p);
  // Points `p` at `slot`, or removes it when `slot` is empty.
  Status Point(const std::string& id, Pointer p, const std::string& slot);
  // The committed version, or nullopt for an item that has never been committed.
  std::optional<Slot> Committed(const std::string& id) const;

  // Removes slots that neither pointer names, and unfinished slot writes. Not while another
  // writer may be between writing a slot and pointing at it.
  void CollectGarbage(const std::string& id);
  // Gives up the one slot `slot` unless a pointer names it; safe beside other writers. The
  // item's next WriteUnpublished takes its directory over and writes over its files in place, so
  // that a rotation allocates and frees neither inodes nor blocks (on a filesystem mounted with
  // `discard`, each freed block costs a synchronous discard). Until then it is garbage like any
  // unnamed slot; beyond one per item it is removed at once.
  void Retire(const std::string& id, const std::string& slot);

  const std::string& id_label() const { return id_label_; }

 private:
  std::filesystem::path ItemDir(const std::string& id) const;
  void Remember(const std::string& id, const std::string& slot, const Slot& s) const;
  void Forget(const std::string& id, const std::function<bool(const std::string&)>& gone);
  // Renames a retired slot of `id` to `dir`; false when none is left, or when what was renamed
  // is not a private directory of the agent's (the caller removes it).
  bool Reuse(const std::string& id, const std::filesystem::path& dir);
  void DropSpares(const std::string& id);
  std::filesystem::path root_;
  std::string id_label_;
  // Identities of the slots read or written, by id then slot (no file contents).
  mutable std::mutex meta_mu_;
  mutable std::map<std::string, std::map<std::string, std::map<std::string, EntityMeta>>> metas_;
  std::mutex spares_mu_;
  std::map<std::string, std::vector<std::string>> spares_;  // retired slots, by id
};

}  // namespace rotagent::store
