// The agent's audit trail: one process-wide recorder, configured at start and on reload, that
// writes each record to journald and, if configured, a file. Process-wide because every service
// records into it with one line, without threading it through their constructors.
#pragma once

#include "agent/audit/event.h"
#include "agent/audit/settings.h"
#include "common/status.h"

namespace rotagent::audit {

// Replaces the sinks. FAILED_PRECONDITION if the file cannot be opened (the old sinks stay).
Status Configure(const Settings& s);
// Writes one record to every sink; stamps the time when the event has none.
void Record(Event e);

}  // namespace rotagent::audit
