// Data tree paths as gNMI sees them: elements with optional keys, and the wildcards `*` (any
// one element or key value) and `...` (any number of elements).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace rotagent::state {

struct PathElem {
  std::string name;
  std::map<std::string, std::string> keys;
  bool operator==(const PathElem&) const = default;
};

using Path = std::vector<PathElem>;

// "/system/aaa/users/user[username=admin]/state"; for leaves the agent defines itself.
Path ParsePath(const std::string& text);
std::string PathString(const Path& p);

// INVALID_ARGUMENT for a malformed pattern: an empty element name, `...` with keys, an empty key.
Status CheckPattern(const Path& pattern);
// Whether `path` (a concrete leaf) lies under `pattern` (which may hold wildcards). A pattern
// naming a container matches every leaf below it.
bool Covers(const Path& pattern, const Path& path);
// Whether `pattern` could name the leaf `schema` or a container above it, whatever the keys.
bool CouldMatch(const Path& pattern, const Path& schema);

}  // namespace rotagent::state
