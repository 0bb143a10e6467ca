#include "agent/txn/transaction.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "agent/audit/trail.h"
#include "common/atomic_file.h"
#include "common/failpoint.h"

namespace rotagent::txn {
namespace {

using store::Pointer;

// Points live at `slot` and makes the box hold it.
Status RestoreItem(const Domain& d, const std::string& id, const std::string& slot) {
  ROTAGENT_RETURN_IF_ERROR(d.store->Point(id, Pointer::kLive, slot));
  return d.applier->Restore(id, slot);
}

// Tells the domain's observer which entities `candidate` changes against slot `previous`.
void NotifyStaged(const Domain& d, const std::string& domain, const std::string& id,
                  const store::Slot& candidate, const std::string& previous) {
  if (d.observer == nullptr) return;
  store::Slot before;
  if (!previous.empty()) {
    auto meta = d.store->ReadMeta(id, previous);
    if (meta.ok()) before = std::move(*meta);
  }
  std::map<std::string, store::EntityMeta> changed;
  for (const auto& [entity, meta] : candidate.meta) {
    const store::EntityMeta old = before.Meta(entity);
    if (meta.version != old.version || meta.created_on != old.created_on) changed[entity] = meta;
  }
  d.observer->Staged(domain, id, changed);
}

// The observers of the domains `items` touch, each once.
std::vector<Observer*> ObserversOf(const std::vector<store::JournalItem>& items,
                                   const Domains& domains) {
  std::vector<Observer*> out;
  for (const auto& i : items) {
    auto d = domains.find(i.domain);
    if (d == domains.end() || d->second.observer == nullptr) continue;
    if (std::find(out.begin(), out.end(), d->second.observer) == out.end()) {
      out.push_back(d->second.observer);
    }
  }
  return out;
}

}  // namespace

Transaction::Transaction(store::Journal& journal, const Domains& domains, const std::string& name)
    : journal_(journal), domains_(domains), entry_{store::NewEntryName(name), {}, false, 0} {
  entry_.opened_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
}

Transaction::~Transaction() {
  if (!finished_) Rollback("the stream ended before Finalize");
  if (committed_ && !closer_taken_) {
    Closer()();
    Collector()();
  }
}

const Domain& Transaction::DomainOf(const std::string& name) const { return domains_.at(name); }

store::JournalItem* Transaction::Find(const std::string& domain, const std::string& id) {
  for (auto& i : entry_.items) {
    if (i.domain == domain && i.id == id) return &i;
  }
  return nullptr;
}

Status Transaction::WriteJournal() { return journal_.Write(entry_); }

// The slot and the entry naming it become durable before anything the box or the pointers show
// changes. The entry's first write replaces nothing, so both are published and flushed once: a
// crash before that flush ends changed nothing else, and leaves at most an unnamed slot (start-up
// garbage collection removes it) and an entry that is absent or empty (Journal::List removes it).
// A later write replaces an entry that already covers a change on the box, so its bytes must be
// on the disk before its name: two flushes.
Status Transaction::WriteSlotAndJournal(store::SlotStore& store,
                                        const store::SlotStore::Unpublished& slot) {
  auto prepared = journal_.Prepare(entry_);
  if (!prepared.ok()) return prepared.status();
  Status s = journaled_ ? SyncFilesystem(journal_.dir()) : Status::Ok();
  if (s.ok()) s = store.Publish(slot);
  if (!s.ok()) {
    unlink(prepared->c_str());
    return s;
  }
  ROTAGENT_RETURN_IF_ERROR(journal_.Publish(*prepared, entry_));
  journaled_ = true;
  return SyncFilesystem(journal_.dir());
}

std::optional<std::string> Transaction::Current(const std::string& domain,
                                                const std::string& id) const {
  for (const auto& i : entry_.items) {
    if (i.domain == domain && i.id == id && !i.candidate.empty()) return i.candidate;
  }
  return DomainOf(domain).store->Get(id, Pointer::kCommitted);
}

Status Transaction::Ready() {
  if (!ready_) return Status::Ok();
  ROTAGENT_RETURN_IF_ERROR(ready_());
  ready_ = nullptr;
  return Status::Ok();
}

Status Transaction::Stage(const std::string& domain, const std::string& id,
                          const store::Slot& slot) {
  if (finished_) return FailedPrecondition("the transaction has already finished");
  if (Status ready = Ready(); !ready.ok()) {
    Rollback(ready.message());
    return ready;
  }
  const Domain& d = DomainOf(domain);
  auto written = d.store->WriteUnpublished(id, slot);
  Status s = written.status();
  std::string previous;
  std::future<Status> preview;
  if (s.ok()) preview = d.applier->Preview(id, written->name, slot);
  if (s.ok()) {
    store::JournalItem* item = Find(domain, id);
    const bool opened = item == nullptr;
    const std::string replaced = opened ? "" : item->candidate;
    if (opened) {
      entry_.items.push_back(
          {domain, id, d.store->Get(id, Pointer::kCommitted).value_or(""), written->name});
      item = &entry_.items.back();
    } else {
      item->candidate = written->name;
    }
    // Journaled before anything the box or the store's readers see changes (only the preview,
    // which a restart forgets, may show the candidate meanwhile): a crash from here on is rolled
    // back at start. On failure the rollback below restores each item to its `previous`; an item
    // this call opened has nothing to restore, and Withdraw takes its preview back. A failed
    // write leaves the preview's proof unread.
    s = WriteSlotAndJournal(*d.store, *written);
    if (s.ok()) s = preview.get();
    if (!s.ok() && opened) entry_.items.pop_back();
    if (!s.ok() && !opened) item->candidate = replaced;
    if (s.ok()) previous = item->previous;
    if (s.ok() && !replaced.empty()) superseded_.push_back({d.store, id, replaced});
  }
  if (s.ok()) Failpoint("txn.journal_opened");
  // Not flushed on its own: until the commit's SyncFilesystem the journal entry covers it (a
  // restart rolls live back, or forward, from the entry).
  if (s.ok()) s = d.store->SetPending(id, Pointer::kLive, written->name);
  Failpoint("txn.live_switched");
  if (s.ok()) NotifyStaged(d, domain, id, slot, previous);
  if (s.ok()) s = d.applier->Stage(id, written->name);
  Failpoint("txn.staged");
  if (!s.ok()) {
    spdlog::warn("{} '{}': staging failed, rolling back: {}", d.store->id_label(), id, s.message());
    Rollback(s.message());
    if (written.ok()) d.applier->Withdraw(id);
    d.store->CollectGarbage(id);  // a slot no journal entry came to name
    return s.WithContext("staging failed and was rolled back");
  }
  return Status::Ok();
}

Status Transaction::Commit() {
  if (finished_) return FailedPrecondition("the transaction has already finished");
  for (const auto& i : entry_.items) {
    Status s = DomainOf(i.domain).applier->Commit(i.id, i.candidate);
    Failpoint("txn.platform_committed");
    if (!s.ok()) {
      Rollback(s.message());
      return s.WithContext("commit on the box failed and the rotation was rolled back");
    }
  }
  // The commit point: from here a crash rolls forward. One item's is the atomic replacement of
  // its committed pointer, which recovery reads (CommitDecided); several items need a
  // committing record first, so that all of them or none roll forward.
  if (entry_.items.size() == 1) {
    const store::JournalItem& i = entry_.items.front();
    Status s = DomainOf(i.domain).store->SetPending(i.id, Pointer::kCommitted, i.candidate);
    if (!s.ok()) {
      Rollback(s.message());
      return s.WithContext("the commit could not be recorded and the rotation was rolled back");
    }
    Failpoint("txn.commit_decided");
    finished_ = committed_ = true;
  } else {
    entry_.committing = true;
    ROTAGENT_RETURN_IF_ERROR(WriteJournal());
    Failpoint("txn.commit_decided");
    finished_ = committed_ = true;
    for (const auto& i : entry_.items) {
      ROTAGENT_RETURN_IF_ERROR(
          DomainOf(i.domain).store->SetPending(i.id, Pointer::kCommitted, i.candidate));
    }
  }
  Failpoint("txn.committed");
  moved_ = true;
  for (const auto& i : entry_.items) {
    if (Observer* o = DomainOf(i.domain).observer) o->Committed(i.domain, i.id);
  }
  // The pointers, the live switches and the observers' records become durable in one flush of
  // the filesystem (state_dir is one) before the client has its answer, so that the clean-up
  // after it needs no flush of its own. A record written ahead of a crash is put right by
  // recovery, which replays the entry (it stays until Closer() runs) and rolls it forward again.
  for (Observer* o : ObserversOf(entry_.items, domains_)) o->Persist();
  Status flushed = SyncFilesystem(journal_.dir());
  flushed_ = flushed.ok();
  return flushed;
}

const char* Transaction::KeptBecause() const {
  return !moved_ ? "not every pointer was moved" : !flushed_ ? "its flush failed" : nullptr;
}

std::function<void()> Transaction::Closer() {
  closer_taken_ = true;
  return [journal = &journal_, name = entry_.name, kept = KeptBecause()] {
    Failpoint("txn.closing");
    // Commit made the observers' records durable. The entry's removal needs no flush of its
    // own: an entry that comes back after a power cut is rolled forward again, and the next
    // journal write persists the removal. A commit that did not move every pointer, or whose
    // flush failed, keeps its entry: the next start finishes it.
    Status closed = kept == nullptr ? Status::Ok() : Internal(kept);
    if (closed.ok()) closed = journal->Close(name);
    if (!closed.ok()) {
      spdlog::error("{}: committed, but its entry stays until the next start: {}", name,
                    closed.message());
    }
    Failpoint("txn.journal_closed");
  };
}

std::function<void()> Transaction::Collector() {
  std::vector<Superseded> gone;
  // Otherwise the next start collects what recovery leaves unnamed.
  if (KeptBecause() == nullptr) {
    gone = superseded_;
    for (const auto& i : entry_.items) gone.push_back({DomainOf(i.domain).store, i.id, i.previous});
  }
  return [gone = std::move(gone)] {
    for (const auto& g : gone) g.store->Retire(g.id, g.slot);
  };
}

void Transaction::Rollback(const std::string& reason) {
  if (finished_) return;
  finished_ = true;
  bool complete = true;
  // Reverse order: undo the last change first (reverse iterators, as clang 14 lacks ranges).
  for (auto it = entry_.items.rbegin(); it != entry_.items.rend(); ++it) {
    const store::JournalItem& i = *it;
    if (i.candidate.empty()) continue;  // journaled, but nothing changed yet
    const Domain& d = DomainOf(i.domain);
    if (Status s = RestoreItem(d, i.id, i.previous); !s.ok()) {
      spdlog::error("{} '{}': rollback incomplete, will retry at start: {}", d.store->id_label(),
                    i.id, s.message());
      complete = false;
    } else {
      spdlog::info("{} '{}': rotation rolled back", d.store->id_label(), i.id);
    }
    if (d.observer != nullptr) d.observer->RolledBack(i.domain, i.id, reason);
  }
  // An incomplete rollback keeps its journal entry so the next start retries it.
  if (!complete) return;
  (void)journal_.Remove(entry_.name);
  for (const auto& i : entry_.items) DomainOf(i.domain).store->CollectGarbage(i.id);
}

namespace {

// Whether the entry's commit point was passed: its committing record was written, or (one item)
// its committed pointer already names the candidate. Candidates are fresh slots, so a pointer
// names one only once Commit moved it.
bool CommitDecided(const store::JournalEntry& e, const Domains& domains) {
  if (e.committing) return true;
  if (e.items.size() != 1 || e.items.front().candidate.empty()) return false;
  const store::JournalItem& i = e.items.front();
  auto d = domains.find(i.domain);
  return d != domains.end() && d->second.store->Exists(i.id) &&
         d->second.store->Get(i.id, Pointer::kCommitted) == i.candidate;
}

}  // namespace

Status Recover(store::Journal& journal, const Domains& domains) {
  for (store::JournalEntry e : journal.List()) {
    e.committing = CommitDecided(e, domains);
    spdlog::warn("{}: transaction interrupted by a restart; rolling {}", e.name,
                 e.committing ? "forward" : "back");
    for (auto it = e.items.rbegin(); it != e.items.rend(); ++it) {
      const store::JournalItem& i = *it;
      auto d = domains.find(i.domain);
      if (d == domains.end() || !d->second.store->Exists(i.id)) continue;
      if (e.committing) {
        ROTAGENT_RETURN_IF_ERROR(d->second.store->Set(i.id, Pointer::kCommitted, i.candidate));
      }
      // Rolling back restores what is committed now: `previous` unless a later transaction (after
      // this one's rollback failed) committed the item since, whose slot is then the right one.
      const std::string target =
          e.committing ? i.candidate : d->second.store->Get(i.id, Pointer::kCommitted).value_or("");
      ROTAGENT_RETURN_IF_ERROR(RestoreItem(d->second, i.id, target));
      if (Observer* o = d->second.observer) {
        // Observers keep staged state in memory only; give it back before resolving it.
        auto candidate = d->second.store->ReadMeta(i.id, i.candidate);
        if (candidate.ok()) NotifyStaged(d->second, i.domain, i.id, *candidate, i.previous);
        if (e.committing) {
          o->Committed(i.domain, i.id);
        } else {
          o->RolledBack(i.domain, i.id, "interrupted by a restart of the agent");
        }
      }
      audit::Record({.event = e.committing ? audit::kFinalized : audit::kReverted,
                     .rpc = "recovery",
                     .target = i.domain + " " + i.id,
                     .outcome = e.committing ? "committed" : "rolled-back",
                     .cause = audit::kCauseRestart,
                     .message = "transaction " + e.name + " interrupted by a restart"});
    }
    // The observers' records are written unflushed: durable before the entry goes.
    for (Observer* o : ObserversOf(e.items, domains)) o->Persist();
    ROTAGENT_RETURN_IF_ERROR(SyncFilesystem(journal.dir()));
    ROTAGENT_RETURN_IF_ERROR(journal.Remove(e.name));
  }
  for (const auto& [name, d] : domains) {
    for (const auto& id : d.store->List()) {
      auto committed = d.store->Get(id, Pointer::kCommitted);
      if (d.store->Get(id, Pointer::kLive) != committed) {
        ROTAGENT_RETURN_IF_ERROR(RestoreItem(d, id, committed.value_or("")));
      }
      d.store->CollectGarbage(id);
    }
  }
  return Status::Ok();
}

}  // namespace rotagent::txn
