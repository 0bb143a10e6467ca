// Which secret-store versions may be purged: every version from the oldest one any device may
// still hold, plus secrets.keep_older versions below it, is kept; older ones are purged. Every
// device of the inventory is asked, whatever its admin state (a parked device comes back with
// what it had). A device rotctl has reached before that cannot be asked now blocks the purge.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ctl/inventory.h"
#include "ctl/secret_store.h"

namespace rotagent::ctl {

struct RetentionPlan {
  std::string profile;
  int current = 0;
  std::map<int, std::vector<std::string>> held_by;  // version -> devices reporting it
  std::vector<int> keep, purge;
};

// FAILED_PRECONDITION naming the devices that could not be asked.
Result<std::vector<RetentionPlan>> PlanRetention(const Inventory& inv, const SecretStore& store,
                                                 int concurrency);

}  // namespace rotagent::ctl
