// gRPC's authorization policy (gRPC proposal A43) as the agent enforces it: a name, deny rules and
// allow rules, each matching the caller's identities (source.principals) and the full method name
// (request.paths). A call matching any deny rule is denied; otherwise it is allowed only if it
// matches an allow rule. The config's `authorization` map is the same thing (the factory policy).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rotagent::authz {

// A policy is parsed on every upload and evaluated on every call: both are bounded.
inline constexpr size_t kMaxPolicyBytes = size_t{256} * 1024;
inline constexpr size_t kMaxRules = 1000;
inline constexpr size_t kMaxMatchersPerRule = 1000;
inline constexpr size_t kMaxNesting = 8;  // the policy's own shape is 5 levels deep

// One string pattern: exact, prefix ("abc*"), suffix ("*abc") or any ("*").
struct Matcher {
  enum class Kind { kExact, kPrefix, kSuffix, kAny };
  Kind kind = Kind::kExact;
  std::string text;  // without the '*'
  bool Matches(std::string_view s) const;
};

struct Rule {
  std::string name;
  std::vector<Matcher> principals;  // empty (left out of the JSON): any verified client
  std::vector<Matcher> paths;       // empty (left out of the JSON): any method
};

struct Policy {
  std::string name;
  std::vector<Rule> deny_rules, allow_rules;
};

// INVALID_ARGUMENT naming the problem: bad JSON, a duplicate or unknown field, a wrong type, an
// empty list, a pattern with '*' inside, a principal that names no identity, header matchers, or
// a policy over the bounds.
Result<Policy> ParsePolicy(std::string_view json);

// The config's `authorization` map (method or service -> identities) as a policy, one allow rule
// per key, and that policy as JSON (what Get returns before any policy is rotated in).
Policy FactoryPolicy(const std::map<std::string, std::vector<std::string>>& rules);
std::string ToJson(const Policy& p);

struct Decision {
  bool allowed = false;
  std::string rule;  // the deny or allow rule that decided; empty when no allow rule matched
};

// `ids` are the caller's identities ("CN=x", "DNS=x", "URI=x"); `path` the full method name.
Decision Evaluate(const Policy& p, const std::vector<std::string>& ids, const std::string& path);

}  // namespace rotagent::authz
