// gNMI paths and values <-> the state tree: origins, the known schema (for UNIMPLEMENTED), and
// leaf values in the requested encoding.
#pragma once

#include <string>
#include <vector>

#include "agent/state/tree.h"
#include "gnmi/gnmi.pb.h"

namespace rotagent::gnmi_service {

struct Pattern {
  std::string origin;  // "openconfig" or "rotagent"
  state::Path path;
};

// The OpenConfig leaves (keyless paths) the registered credential kinds report: with the agent's
// own leaves, what Resolve knows. Set at start, before the server serves.
void SetKindLeaves(const std::vector<std::string>& openconfig_leaves);

// prefix + path, with the origin resolved ("" means openconfig, except under /rotation).
// INVALID_ARGUMENT for a malformed path; UNIMPLEMENTED for an unknown origin or a path that
// names nothing the agent can ever report.
Result<Pattern> Resolve(const gnmi::Path& prefix, const gnmi::Path& path);

gnmi::Path ToProto(const std::string& origin, const state::Path& path);
// UNIMPLEMENTED for encodings other than JSON, JSON_IETF and PROTO.
Status CheckEncoding(gnmi::Encoding e);
gnmi::TypedValue ToTyped(const state::Value& v, gnmi::Encoding e);
// A string from string_val, ascii_val, or a JSON string in json_val / json_ietf_val.
Result<std::string> StringOf(const gnmi::TypedValue& v);

}  // namespace rotagent::gnmi_service
