// What one device reports about its credentials, read with gNMI Get from the rotation tree, and
// rendered in the shape operators know from the fabric APIs (certificateRotationStatus,
// secretRotationStatus).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ctl/agent_link.h"

namespace rotagent::ctl {

struct CredentialStatus {
  std::string name;  // <domain>/<id>/<entity>
  std::string type, version, synchronization_status, last_error, attempted_version;
  std::string expire_time;         // RFC 3339; certificates only
  int64_t last_rotation_time = 0;  // seconds since the epoch; 0: never rotated here
};

struct DeviceStatus {
  std::string device, agent_admin_state;
  std::vector<CredentialStatus> credentials;
};

Result<DeviceStatus> FetchDeviceStatus(AgentLink& link, const std::string& device);
// {"name", "agentAdminState", "certificateRotationStatus": [...], "secretRotationStatus": [...]}
nlohmann::json DeviceStatusJson(const DeviceStatus& s);
std::string RenderTime(int64_t epoch_seconds);  // "" for 0

}  // namespace rotagent::ctl
