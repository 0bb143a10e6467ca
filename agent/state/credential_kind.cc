#include "agent/state/credential_kind.h"

namespace rotagent::state {

std::vector<std::string> CredentialKind::OcSchema() const {
  std::vector<std::string> out = extra_oc_leaves;
  if (oc_schema_container.empty()) return out;
  for (const auto& e : entities) {
    if (e.oc_leaf.empty()) continue;
    out.push_back(oc_schema_container + e.oc_leaf + "-version");
    out.push_back(oc_schema_container + e.oc_leaf + "-created-on");
  }
  return out;
}

}  // namespace rotagent::state
