// Builds the state tree from what the agent knows: the committed versions in the store, the
// synchronization ledger, certificate validity, the admin state and the platform. Leaves:
//   openconfig: /system/grpc-servers/grpc-server[name]/state/..., /system/aaa/authentication/
//               users/user[username]/state/..., /system/ssh-server/state/...
//   rotagent:   /rotation/credentials/credential[name=<domain>/<id>/<entity>]/state/...,
//               /rotation/agent/{config,state}/...
// Refresh() recomputes every leaf; the tree publishes only what changed.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "agent/certz/profile_store.h"
#include "agent/state/admin_state.h"
#include "agent/state/sync_ledger.h"
#include "agent/state/tree.h"
#include "platform/platform.h"

namespace rotagent::state {

struct ReportSettings {
  bool created_on_ns = false;  // report created-on as sent (seconds) or multiplied to ns
  int expiry_warning_days = 30;
  int expiry_critical_days = 7;
  std::string server_name = "rotagent";  // the grpc-server list key
};

struct Sources {
  certz::ProfileStore* profiles;
  store::SlotStore* accounts;
  store::SlotStore* ssh;
  SyncLedger* ledger;
  AdminState* admin;
  platform::Platform* platform;
  std::function<std::string()> bound_profile;
  std::function<std::string(const std::string&)> role_of;
  std::map<std::string, std::string> account_roles;
  // Leaves of kinds that report themselves (e.g. authz), added to every refresh; may be empty.
  std::function<std::vector<Leaf>(const ReportSettings&)> extra_leaves;
};

// A certificate's leaf as the state tree reports it.
struct LeafFacts {
  int64_t not_before = 0, not_after = 0;
  std::string fingerprint, subject;
};

class Reporter {
 public:
  Reporter(Sources sources, ReportSettings settings, Tree& tree);
  void Refresh();
  void Update(ReportSettings settings, std::map<std::string, std::string> account_roles);

 private:
  std::mutex mu_;  // one refresh at a time
  Sources src_;
  ReportSettings settings_;
  Tree& tree_;
  // What Refresh() needs of a committed slot. A published slot never changes, so each is read
  // and parsed once, not on every refresh.
  struct SlotFacts {
    store::Slot meta;               // entity metadata only
    std::optional<LeafFacts> leaf;  // profiles: the chain's first certificate
    int64_t crl_next_update = 0;    // profiles: the earliest nextUpdate of its CRLs, 0 for none
  };
  const SlotFacts& FactsOf(const store::SlotStore& store, const std::string& id,
                           const std::string& slot, bool certificate);

  std::map<std::string, std::string> expiry_logged_;  // credential -> last expiry status logged
  std::map<std::string, SlotFacts> facts_;            // slot directory -> facts
  std::map<std::string, SlotFacts> used_facts_;       // those the current refresh reads
};

}  // namespace rotagent::state
