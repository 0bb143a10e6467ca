// The authz kind's OpenConfig leaves: the policy in force under /system/aaa/authorization/state
// and per-RPC authz-policy-counters under the grpc-server.
#pragma once

#include <string>
#include <vector>

#include "agent/authz/engine.h"
#include "agent/state/reporter.h"
#include "agent/state/tree.h"

namespace rotagent::authz {

std::vector<state::Leaf> AuthzLeaves(const Engine& engine, const state::ReportSettings& settings);

}  // namespace rotagent::authz
