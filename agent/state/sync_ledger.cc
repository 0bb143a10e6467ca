#include "agent/state/sync_ledger.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "common/atomic_file.h"

namespace rotagent::state {
namespace {

std::string Prefix(const std::string& domain, const std::string& id) {
  return domain + "/" + id + "/";
}

// The records of one item's entities that an open transaction holds (Synchronizing).
template <typename Records>
auto Synchronizing(Records& records, const std::string& domain, const std::string& id) {
  std::vector<decltype(&records.begin()->second)> out;
  const std::string prefix = Prefix(domain, id);
  for (auto it = records.lower_bound(prefix);
       it != records.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    if (it->second.status == SyncStatus::kSynchronizing) out.push_back(&it->second);
  }
  return out;
}

}  // namespace

const char* SyncStatusName(SyncStatus s) {
  switch (s) {
    case SyncStatus::kInSync:
      return "InSync";
    case SyncStatus::kSynchronizing:
      return "Synchronizing";
    case SyncStatus::kOutOfSync:
      return "OutOfSync";
  }
  return "OutOfSync";
}

SyncLedger::SyncLedger(std::filesystem::path file, std::function<void()> on_change)
    : file_(std::move(file)), on_change_(std::move(on_change)) {}

void SyncLedger::Load() {
  auto text = ReadFile(file_);
  if (!text.ok()) return;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return;
  std::lock_guard lock(mu_);
  for (const auto& [key, r] : j.items()) {
    SyncRecord rec;
    const std::string status = r.value("status", "InSync");
    // A transaction cannot survive a restart: Synchronizing then was rolled back at recovery.
    rec.status = status == "InSync" ? SyncStatus::kInSync : SyncStatus::kOutOfSync;
    rec.last_error = r.value("last_error", "");
    rec.attempted_version = r.value("attempted_version", "");
    rec.drift = r.value("drift", false);
    records_[key] = rec;
  }
}

void SyncLedger::Save(bool flush) const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, r] : records_) {
    j[key] = {{"status", SyncStatusName(r.status)},
              {"last_error", r.last_error},
              {"attempted_version", r.attempted_version},
              {"drift", r.drift}};
  }
  (void)(flush ? WriteFileAtomic(file_, j.dump(), 0600)
               : WriteFileRecycling(file_, j.dump(), 0600, spare_));
}

void SyncLedger::Changed() {
  if (on_change_) on_change_();
}

void SyncLedger::Staged(const std::string& domain, const std::string& id,
                        const std::map<std::string, store::EntityMeta>& changed) {
  {
    std::lock_guard lock(mu_);
    for (const auto& [entity, meta] : changed) {
      SyncRecord& r = records_[Prefix(domain, id) + entity];
      r.status = SyncStatus::kSynchronizing;
      r.attempted_version = meta.version;
    }
    // Not saved: after a crash, recovery replays Staged from the journal before resolving it.
  }
  Changed();
}

void SyncLedger::Committed(const std::string& domain, const std::string& id) {
  {
    std::lock_guard lock(mu_);
    for (SyncRecord* r : Synchronizing(records_, domain, id)) {
      *r = SyncRecord{SyncStatus::kInSync, "", r->attempted_version, false};
    }
  }
  Changed();
}

void SyncLedger::Persist() {
  std::lock_guard lock(mu_);
  Save(false);
}

void SyncLedger::RolledBack(const std::string& domain, const std::string& id,
                            const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    for (SyncRecord* r : Synchronizing(records_, domain, id)) {
      r->status = SyncStatus::kOutOfSync;
      r->last_error = reason;
      r->drift = false;
    }
    Save();
  }
  Changed();
}

void SyncLedger::SetDrift(const std::string& key, const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    SyncRecord& r = records_[key];
    if (r.status == SyncStatus::kSynchronizing) return;
    if (reason.empty()) {
      if (!r.drift) return;
      r = SyncRecord{};
    } else {
      if (r.drift && r.last_error == reason) return;
      r.status = SyncStatus::kOutOfSync;
      r.last_error = reason;
      r.drift = true;
    }
    Save();
  }
  Changed();
}

std::map<std::string, SyncRecord> SyncLedger::Records() const {
  std::lock_guard lock(mu_);
  return records_;
}

bool SyncLedger::Busy(const std::string& domain, const std::string& id) const {
  std::lock_guard lock(mu_);
  return !Synchronizing(records_, domain, id).empty();
}

}  // namespace rotagent::state
