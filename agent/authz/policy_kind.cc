#include "agent/authz/policy_kind.h"

namespace rotagent::authz {
namespace {

constexpr const char* kOc = "openconfig";
constexpr const char* kAuthzState = "/system/aaa/authorization/state/";
constexpr const char* kRpcState =
    "/system/grpc-servers/grpc-server/authz-policy-counters/rpcs/rpc/";

}  // namespace

state::CredentialKind MakePolicyKind(store::SlotStore* store, Engine* engine) {
  state::CredentialKind k;
  k.domain = kAuthzDomain;
  k.store = store;
  k.applier = engine;
  // No per-item OpenConfig container: the version leaves below report the policy in force, which
  // a staged policy already is (new calls are checked against it), not only the committed one.
  k.entities = {{kPolicyEntity, "GrpcAuthzPolicy", ""}};
  k.report = [engine](state::ReportContext& r) {
    // The factory policy has no version: nothing to report until a policy is rotated in.
    const InForce f = engine->Get();
    if (f.meta.present()) {
      const std::string base = kAuthzState;
      r.Add(kOc, base + "grpc-authz-policy-version", f.meta.version);
      r.Add(kOc, base + "grpc-authz-policy-created-on", r.CreatedOn(f.meta.created_on));
    }
    const std::string server = "/system/grpc-servers/grpc-server[name=" + r.settings().server_name +
                               "]/authz-policy-counters/";
    for (const auto& [method, c] : engine->counters().Snapshot()) {
      const std::string rpc = server + "rpcs/rpc[name=" + method + "]/";
      r.Add(kOc, rpc + "name", method);
      r.Add(kOc, rpc + "state/name", method);
      r.Add(kOc, rpc + "state/access-accepts", c.accepts);
      r.Add(kOc, rpc + "state/access-rejects", c.rejects);
      r.Add(kOc, rpc + "state/last-access-accept", static_cast<uint64_t>(c.last_accept_ns));
      r.Add(kOc, rpc + "state/last-access-reject", static_cast<uint64_t>(c.last_reject_ns));
    }
  };
  for (const char* leaf : {"grpc-authz-policy-version", "grpc-authz-policy-created-on"}) {
    k.extra_oc_leaves.push_back(std::string(kAuthzState) + leaf);
  }
  k.extra_oc_leaves.push_back(std::string(kRpcState) + "name");
  for (const char* leaf :
       {"name", "access-accepts", "access-rejects", "last-access-accept", "last-access-reject"}) {
    k.extra_oc_leaves.push_back(std::string(kRpcState) + "state/" + leaf);
  }
  // Nothing outside the agent holds the policy, so there is no drift to check.
  return k;
}

}  // namespace rotagent::authz
