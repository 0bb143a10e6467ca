#include "agent/authz/authz_leaves.h"

namespace rotagent::authz {

std::vector<state::Leaf> AuthzLeaves(const Engine& engine, const state::ReportSettings& settings) {
  std::vector<state::Leaf> out;
  const auto add = [&out](const std::string& path, state::Value v) {
    out.push_back({"openconfig", state::ParsePath(path), std::move(v), 0});
  };
  // The factory policy has no version: nothing to report until a policy is rotated in.
  const InForce f = engine.Get();
  if (f.meta.present()) {
    const std::string base = "/system/aaa/authorization/state/";
    add(base + "grpc-authz-policy-version", f.meta.version);
    add(base + "grpc-authz-policy-created-on",
        settings.created_on_ns ? f.meta.created_on * 1000000000ULL : f.meta.created_on);
  }
  const std::string server =
      "/system/grpc-servers/grpc-server[name=" + settings.server_name + "]/authz-policy-counters/";
  for (const auto& [method, c] : engine.counters().Snapshot()) {
    const std::string rpc = server + "rpcs/rpc[name=" + method + "]/";
    add(rpc + "name", method);
    add(rpc + "state/name", method);
    add(rpc + "state/access-accepts", c.accepts);
    add(rpc + "state/access-rejects", c.rejects);
    add(rpc + "state/last-access-accept", static_cast<uint64_t>(c.last_accept_ns));
    add(rpc + "state/last-access-reject", static_cast<uint64_t>(c.last_reject_ns));
  }
  return out;
}

}  // namespace rotagent::authz
