// What a gNMI Set changes, as the audit trail names it: its paths ("/a/b[k=v]/c", deletes marked
// "delete ") and the string values it sets. The writable leaves are an admin state and a profile
// id, never a secret.
#pragma once

#include <string>

#include "gnmi/gnmi.pb.h"

namespace rotagent::gnmi_service {

struct AuditSetTarget {
  std::string paths;
  std::string values;
};

AuditSetTarget AuditOf(const gnmi::SetRequest& req);

}  // namespace rotagent::gnmi_service
