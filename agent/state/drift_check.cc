#include "agent/state/drift_check.h"

namespace rotagent::state {

void CheckDrift(const Kinds& kinds, SyncLedger& ledger) {
  for (const auto& kind : kinds) {
    if (!kind.drift) continue;
    for (const auto& id : kind.store->List()) {
      if (!ledger.Busy(kind.domain, id)) kind.drift(id, ledger);
    }
  }
}

}  // namespace rotagent::state
