// Synchronization status of every credential entity, fed by the transaction and the drift
// check: Synchronizing while a transaction holds it, InSync once committed and verified,
// OutOfSync after a rollback, a failed attempt or drift, with the reason and the version tried.
// Persisted, so an OutOfSync credential stays visible across restarts.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "agent/txn/applier.h"

namespace rotagent::state {

enum class SyncStatus { kInSync, kSynchronizing, kOutOfSync };
const char* SyncStatusName(SyncStatus s);

struct SyncRecord {
  SyncStatus status = SyncStatus::kInSync;
  std::string last_error;
  std::string attempted_version;
  bool drift = false;  // the OutOfSync came from the drift check, not from a rotation
};

class SyncLedger : public txn::Observer {
 public:
  // `on_change` runs after every change (outside the ledger's lock).
  SyncLedger(std::filesystem::path file, std::function<void()> on_change);
  void Load();

  void Staged(const std::string& domain, const std::string& id,
              const std::map<std::string, store::EntityMeta>& changed) override;
  void Committed(const std::string& domain, const std::string& id) override;
  void RolledBack(const std::string& domain, const std::string& id,
                  const std::string& reason) override;
  void Persist() override;

  // The drift check's verdict on one entity ("domain/id/entity"); empty `reason` clears drift.
  void SetDrift(const std::string& key, const std::string& reason);

  // By "domain/id/entity".
  std::map<std::string, SyncRecord> Records() const;
  bool Busy(const std::string& domain, const std::string& id) const;

 private:
  // `flush`: durable now; else at the caller's next SyncFilesystem.
  void Save(bool flush = true) const;
  void Changed();

  std::filesystem::path file_;
  mutable std::filesystem::path spare_;  // WriteFileRecycling's, under mu_
  std::function<void()> on_change_;
  mutable std::mutex mu_;
  std::map<std::string, SyncRecord> records_;
};

}  // namespace rotagent::state
