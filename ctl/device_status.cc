#include "ctl/device_status.h"

#include <ctime>
#include <map>

namespace rotagent::ctl {
namespace {

std::string Text(const gnmi::TypedValue& v) {
  switch (v.value_case()) {
    case gnmi::TypedValue::kStringVal:
      return v.string_val();
    case gnmi::TypedValue::kUintVal:
      return std::to_string(v.uint_val());
    case gnmi::TypedValue::kIntVal:
      return std::to_string(v.int_val());
    default:
      return "";
  }
}

gnmi::Path RotationPath(const std::vector<std::string>& elems) {
  gnmi::Path p;
  p.set_origin("rotagent");
  for (const auto& e : elems) p.add_elem()->set_name(e);
  return p;
}

bool IsCertificate(const std::string& name) { return name.rfind("profiles/", 0) == 0; }

}  // namespace

std::string RenderTime(int64_t epoch_seconds) {
  if (epoch_seconds == 0) return "";
  const time_t t = epoch_seconds;
  tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

Result<DeviceStatus> FetchDeviceStatus(AgentLink& link, const std::string& device) {
  gnmi::GetRequest req;
  *req.add_path() = RotationPath({"rotation", "credentials"});
  *req.add_path() = RotationPath({"rotation", "agent", "state", "admin-state"});
  req.set_encoding(gnmi::PROTO);
  gnmi::GetResponse resp;
  grpc::ClientContext ctx;
  AgentLink::SetDeadline(ctx);
  grpc::Status s = link.gnmi().Get(&ctx, req, &resp);
  DeviceStatus out{device, "", {}};
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) return out;  // nothing rotated yet
  if (!s.ok()) {
    return Status(static_cast<Code>(s.error_code()),
                  "device " + device + ": gNMI Get failed: " + s.error_message());
  }
  std::map<std::string, CredentialStatus> by_name;
  for (const auto& n : resp.notification()) {
    for (const auto& u : n.update()) {
      const auto& elems = u.path().elem();
      const std::string value = Text(u.val());
      if (elems.size() == 4 && elems[3].name() == "admin-state") {
        out.agent_admin_state = value;
        continue;
      }
      if (elems.size() != 5 || elems[2].name() != "credential") continue;
      const auto key = elems[2].key().find("name");
      if (key == elems[2].key().end()) continue;
      CredentialStatus& c = by_name[key->second];
      c.name = key->second;
      const std::string& leaf = elems[4].name();
      if (leaf == "type") c.type = value;
      if (leaf == "version") c.version = value;
      if (leaf == "synchronization-status") c.synchronization_status = value;
      if (leaf == "last-error") c.last_error = value;
      if (leaf == "attempted-version") c.attempted_version = value;
      if (leaf == "expire-time") c.expire_time = value;
      if (leaf == "last-rotation-time") c.last_rotation_time = std::stoll(value);
    }
  }
  for (auto& [name, c] : by_name) out.credentials.push_back(std::move(c));
  return out;
}

nlohmann::json DeviceStatusJson(const DeviceStatus& s) {
  nlohmann::json certs = nlohmann::json::array(), secrets = nlohmann::json::array();
  for (const auto& c : s.credentials) {
    nlohmann::json j;
    const std::string id =
        c.name.substr(c.name.find('/') + 1, c.name.rfind('/') - c.name.find('/') - 1);
    if (IsCertificate(c.name)) {
      j["certificateType"] = c.type;
      j["certificateArchiveReference"] = {{"certificateName", id},
                                          {"certificateVersion", c.version}};
      j["expireTime"] = c.expire_time;
    } else {
      j["secretType"] = c.type;
      j["secretArchiveReference"] = {{"secretName", id}, {"secretVersion", c.version}};
    }
    j["lastRotationTime"] = RenderTime(c.last_rotation_time);
    j["synchronizationStatus"] = c.synchronization_status;
    if (!c.last_error.empty()) j["lastError"] = c.last_error;
    if (!c.attempted_version.empty() && c.attempted_version != c.version) {
      j["attemptedVersion"] = c.attempted_version;
    }
    (IsCertificate(c.name) ? certs : secrets).push_back(std::move(j));
  }
  return {{"name", s.device},
          {"agentAdminState", s.agent_admin_state},
          {"certificateRotationStatus", certs},
          {"secretRotationStatus", secrets}};
}

}  // namespace rotagent::ctl
