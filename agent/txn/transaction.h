// The one path every rotation takes: journal, write a new slot, switch live, stage on the box;
// then commit every touched item together, or put every one back. Destroying an unfinished
// transaction rolls it back, so a dropped stream can never leave a candidate behind.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/store/journal.h"
#include "agent/txn/applier.h"

namespace rotagent::txn {

class Transaction {
 public:
  // `name` (the service) prefixes the journal entry's unique name.
  Transaction(store::Journal& journal, const Domains& domains, const std::string& name);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // Waited for before this transaction's first change to the store: an earlier rotation's
  // clean-up may still collect the store's old slots while this one validates.
  void WaitBeforeChanges(std::function<Status()> ready) { ready_ = std::move(ready); }
  // That wait (once it succeeded, at once). Stage calls it; a caller that changes the store
  // before its first Stage (an item's baseline) calls it first.
  Status Ready();
  // The slot an item holds within this transaction: its candidate once staged, else committed.
  std::optional<std::string> Current(const std::string& domain, const std::string& id) const;
  // Stages `slot` as the item's candidate. On failure everything this transaction staged is
  // rolled back and the transaction is finished.
  Status Stage(const std::string& domain, const std::string& id, const store::Slot& slot);
  // Commits every staged item together, durably, with the observers' records. Its journal entry
  // stays until Closer()'s work runs, the items' old slots until Collector()'s.
  Status Commit();
  // After a commit: closes the journal entry. The caller runs it once its client has the answer
  // (the next rotation's first change waits for it: see WaitBeforeChanges); if no caller took
  // it, the destructor runs it and Collector()'s work.
  std::function<void()> Closer();
  // After Closer()'s work: retires the slots the commit replaced (each item's previous one, and
  // candidates a later Stage superseded), for a later write of the item to reuse
  // (SlotStore::Retire). It keeps them when Closer() keeps the entry: the next start decides.
  std::function<void()> Collector();
  // `reason` is reported as the credential's last error.
  void Rollback(const std::string& reason = "rolled back");

  bool staged() const { return !entry_.items.empty(); }
  bool finished() const { return finished_; }
  // Past its commit point (a restart rolls it forward).
  bool committed() const { return committed_; }

 private:
  const Domain& DomainOf(const std::string& name) const;
  store::JournalItem* Find(const std::string& domain, const std::string& id);
  Status WriteJournal();
  Status WriteSlotAndJournal(store::SlotStore& store, const store::SlotStore::Unpublished& slot);
  // Why Closer() keeps the entry and Collector() the old slots for the next start; null when the
  // commit moved every pointer and flushed.
  const char* KeptBecause() const;

  store::Journal& journal_;
  const Domains& domains_;
  store::JournalEntry entry_;
  bool finished_ = false;
  bool committed_ = false;
  bool journaled_ = false;  // the entry was written once
  bool moved_ = false;      // the commit moved every committed pointer
  bool flushed_ = false;    // and made them and the observers' records durable
  bool closer_taken_ = false;
  std::function<Status()> ready_;
  struct Superseded {
    store::SlotStore* store;
    std::string id, slot;
  };
  std::vector<Superseded> superseded_;  // candidates a later Stage of the same item replaced
};

// Finishes whatever a crash left open and makes every item's box state match its store.
Status Recover(store::Journal& journal, const Domains& domains);

}  // namespace rotagent::txn
