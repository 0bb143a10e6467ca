// `--output prometheus`: the Prometheus text exposition format (version 0.0.4) for node_exporter's
// textfile collector or any scraper. Names follow Prometheus conventions: a rotagent_ prefix,
// base units (seconds) in the name, _timestamp_seconds for points in time; the one exception,
// rotagent_credential_expiry_remaining_days, is there because operators alert on whole days.
#pragma once

#include <cstdint>
#include <string>

#include "ctl/fabric_status.h"
#include "ctl/inventory.h"

namespace rotagent::ctl {

// Per device and credential: expiry time, time left, sync state and last rotation time; per
// device whether it answered.
std::string CredentialMetrics(const FabricStatus& s, int64_t now);
// Per fabric: distinct password sets, the guardrails' state, devices by state; then the
// credential metrics.
std::string FabricMetrics(const Inventory& inv, const FabricStatus& s, int64_t now);

// Label value escaping of the exposition format: backslash, double quote and newline.
std::string EscapeLabel(const std::string& v);

}  // namespace rotagent::ctl
