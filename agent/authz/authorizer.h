// Which client identities may call which gRPC method: one policy in force (authz/policy.h), either
// the factory one built from config's `authorization` map (keys as in methods.h: a full method,
// "/<service>/*", or a bare service name) or one rotated in over gnsi.authz.v1. Every service
// asks it per call, and authz Probe asks the same evaluator.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/authz/policy.h"
#include "agent/authz/rpc_counters.h"
#include "common/status.h"

namespace rotagent::authz {

class Authorizer {
 public:
  // The factory policy from config's `authorization` map.
  explicit Authorizer(const std::map<std::string, std::vector<std::string>>& rules)
      : Authorizer(FactoryPolicy(rules), "", nullptr) {}
  // `version` is empty for the factory policy; `counters` (may be null) counts every decision.
  Authorizer(Policy policy, std::string version, std::shared_ptr<RpcCounters> counters)
      : policy_(std::move(policy)), version_(std::move(version)), counters_(std::move(counters)) {}

  // `method` is the full method name ("/gnmi.gNMI/Set"); `peer_pem` the verified client leaf.
  // PERMISSION_DENIED names the identity and the method.
  Status Check(const std::string& method, const std::string& peer_pem) const;
  // What a caller presenting `ids` gets for `method`, without counting (authz Probe).
  Decision Decide(const std::string& method, const std::vector<std::string>& ids) const {
    return Evaluate(policy_, ids, method);
  }

  const Policy& policy() const { return policy_; }
  const std::string& version() const { return version_; }
  bool factory() const { return version_.empty(); }

 private:
  Status Checked(const std::string& method, const std::string& peer_pem) const;

  Policy policy_;
  std::string version_;
  std::shared_ptr<RpcCounters> counters_;
};

}  // namespace rotagent::authz
