// gNMI Set as one transaction over the writable leaves: every update is resolved and checked
// before any is applied, and a failure while applying undoes what was applied before it.
#pragma once

#include <functional>
#include <string>

#include "agent/caller.h"
#include "common/status.h"
#include "gnmi/gnmi.pb.h"

namespace rotagent::gnmi_service {

// One writable leaf.
struct Writable {
  // Would `value` be accepted from `caller`? Changes nothing.
  std::function<Status(const std::string& value, const Caller& caller)> check;
  std::function<Status(const std::string& value)> apply;
  std::function<std::string()> current;  // the value to restore on undo
};

struct Writers {
  Writable admin_state;     // /rotation/agent/config/admin-state: enabled, maintenance, ...
  Writable certificate_id;  // the grpc-server's certificate-id: the profile to serve
};

// Applies `req` all or nothing; fills `resp` on success.
Status ApplySet(const gnmi::SetRequest& req, const Writers& writers, const Caller& caller,
                gnmi::SetResponse* resp);

}  // namespace rotagent::gnmi_service
