// Which client identities may call which gRPC method, from config's `authorization` map (keys as
// in methods.h: a full method, "/<service>/*", or a bare service name for the whole service).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace rotagent::authz {

class Authorizer {
 public:
  explicit Authorizer(std::map<std::string, std::vector<std::string>> rules)
      : rules_(std::move(rules)) {}

  // `method` is the full method name ("/gnmi.gNMI/Set"); `peer_pem` the verified client leaf.
  // PERMISSION_DENIED names the identity and the method.
  Status Check(const std::string& method, const std::string& peer_pem) const;

 private:
  std::map<std::string, std::vector<std::string>> rules_;
};

}  // namespace rotagent::authz
