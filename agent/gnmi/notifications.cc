#include "agent/gnmi/notifications.h"

#include <algorithm>
#include <map>

#include "agent/gnmi/gnmi_paths.h"

namespace rotagent::gnmi_service {

std::vector<gnmi::Notification> Notifications(const std::vector<state::Leaf>& updated,
                                              const std::vector<state::Leaf>& deleted,
                                              gnmi::Encoding enc) {
  std::map<std::string, gnmi::Notification> by_origin;
  for (const auto& l : updated) {
    gnmi::Notification& n = by_origin[l.origin];
    n.set_timestamp(std::max(n.timestamp(), l.timestamp_ns));
    auto* u = n.add_update();
    *u->mutable_path() = ToProto("", l.path);
    *u->mutable_val() = ToTyped(l.value, enc);
  }
  for (const auto& l : deleted) {
    gnmi::Notification& n = by_origin[l.origin];
    n.set_timestamp(std::max(n.timestamp(), l.timestamp_ns));
    *n.add_delete_() = ToProto("", l.path);
  }
  std::vector<gnmi::Notification> out;
  for (auto& [origin, n] : by_origin) {
    n.mutable_prefix()->set_origin(origin);
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace rotagent::gnmi_service
