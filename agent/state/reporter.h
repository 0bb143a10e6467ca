// Builds the state tree from what the agent knows: the committed versions of every registered
// credential kind, the synchronization ledger, certificate validity, the admin state and the
// platform. Leaves:
//   openconfig: each kind's own (/system/grpc-servers/..., /system/aaa/authentication/users/...,
//               /system/ssh-server/state/...)
//   rotagent:   /rotation/credentials/credential[name=<domain>/<id>/<entity>]/state/...,
//               /rotation/agent/{config,state}/...
// Refresh() recomputes every leaf; the tree publishes only what changed. A rotation does not wait
// for it: RefreshSoon() hands the work to the reporter's thread, which gathers the changes of a
// burst into one refresh, and Settle() (before every gNMI read) finishes what was asked first, so a
// reader never sees the state from before a change whose RPC has returned.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/state/admin_state.h"
#include "agent/state/credential_kind.h"
#include "agent/state/sync_ledger.h"
#include "agent/state/tree.h"
#include "platform/platform.h"

namespace rotagent::state {

struct Sources {
  const Kinds* kinds;
  SyncLedger* ledger;
  AdminState* admin;
  platform::Platform* platform;
  std::map<std::string, std::string> account_roles;
};

class Reporter {
 public:
  Reporter(Sources sources, ReportSettings settings, Tree& tree);
  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;
  ~Reporter();
  void Refresh();
  // Refreshes on the reporter's thread kGather later, with whatever else changed meanwhile;
  // returns at once.
  void RefreshSoon();
  static constexpr std::chrono::milliseconds kGather{20};
  // Returns once every refresh asked for before the call is in the tree.
  void Settle();
  void Update(ReportSettings settings, std::map<std::string, std::string> account_roles);

 private:
  class Refreshing;  // the state of one Refresh()
  // What the reporter knows of one credential entity.
  struct Credential {
    std::string name;  // domain/id/entity
    std::string type;
    store::EntityMeta meta;
    const std::optional<LeafFacts>* leaf = nullptr;  // for certificates
    int64_t crl_next_update = 0;                     // for CRL bundles
  };
  void CollectKind(const CredentialKind& kind, Refreshing& r, std::vector<Credential>& creds);
  void ReportCredential(const Credential& c, Refreshing& r);
  void ReportExpiry(const Credential& c, const std::string& base, Refreshing& r);
  void ReportAgent(Refreshing& r);
  void RefreshLocked();  // under mu_
  void Run();            // the reporter's thread
  const SlotFacts& FactsOf(const store::SlotStore& store, const std::string& id,
                           const std::string& slot, bool certificates);

  std::mutex mu_;  // one refresh at a time
  Sources src_;
  ReportSettings settings_;
  Tree& tree_;
  std::map<std::string, std::string> expiry_logged_;  // credential -> last expiry status logged
  std::map<std::string, SlotFacts> facts_;            // slot directory -> facts
  std::map<std::string, SlotFacts> used_facts_;       // those the current refresh reads

  std::atomic<uint64_t> asked_{0};    // RefreshSoon calls so far
  std::atomic<uint64_t> covered_{0};  // of those, the ones the tree reflects
  std::mutex wake_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // under wake_mu_
  std::thread worker_;     // last: it starts once the rest is built
};

}  // namespace rotagent::state
