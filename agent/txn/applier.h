// How one kind of item (a certz profile, an account, the SSH host parameters) reaches the box.
// The transaction calls it after the store's live pointer names the slot.
#pragma once

#include <future>
#include <map>
#include <string>

#include "agent/store/slot_store.h"
#include "common/status.h"

namespace rotagent::txn {

// A future that already holds `s`.
inline std::future<Status> Ready(Status s) {
  std::promise<Status> done;
  done.set_value(std::move(s));
  return done.get_future();
}

class Applier {
 public:
  virtual ~Applier() = default;
  // Makes the candidate what new users of the item see; returns only once they do.
  virtual Status Stage(const std::string& id, const std::string& slot) = 0;
  // May start showing the candidate where nothing outlives the process (the agent's own TLS
  // listener) while the transaction makes the stage durable; the future says once it is seen.
  // Stage follows only if it succeeded; if the stage fails first, Withdraw undoes it.
  virtual std::future<Status> Preview(const std::string& /*id*/, const std::string& /*slot*/,
                                      const store::Slot& /*candidate*/) {
    return Ready(Status::Ok());
  }
  virtual void Withdraw(const std::string& /*id*/) {}
  virtual Status Commit(const std::string& id, const std::string& slot) = 0;
  // Makes the box hold `slot` again; an empty slot means the item held nothing before.
  virtual Status Restore(const std::string& id, const std::string& slot) = 0;
};

// Told of every transition, for reporting; never fails the transaction.
class Observer {
 public:
  virtual ~Observer() = default;
  // `changed`: the entities whose identity differs from what was committed. Recovery replays it
  // from the journal before Committed or RolledBack, so it need not be made durable.
  virtual void Staged(const std::string& domain, const std::string& id,
                      const std::map<std::string, store::EntityMeta>& changed) = 0;
  // What it records need not be written yet: Persist follows within the commit.
  virtual void Committed(const std::string& domain, const std::string& id) = 0;
  virtual void RolledBack(const std::string& domain, const std::string& id,
                          const std::string& reason) = 0;
  // Writes what Committed recorded, unflushed: the commit's flush makes it durable with the
  // pointers, before the client has its answer and while the journal entry still covers it.
  virtual void Persist() {}
};

struct Domain {
  store::SlotStore* store;
  Applier* applier;
  Observer* observer = nullptr;
};

using Domains = std::map<std::string, Domain>;  // by domain name, as journaled

}  // namespace rotagent::txn
