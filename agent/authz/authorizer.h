// Which client identities may call which gRPC service, from config's `authorization` map.
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

  // `peer_pem` is the verified client leaf. PERMISSION_DENIED names the identity and service.
  Status Check(const std::string& service, const std::string& peer_pem) const;

 private:
  std::map<std::string, std::vector<std::string>> rules_;
};

}  // namespace rotagent::authz
