// The identity of one credential version as the controller sent it. Shared by every kind of
// credential; stored and reported exactly as sent.
#pragma once

#include <cstdint>
#include <string>

namespace rotagent::store {

struct EntityMeta {
  std::string version;
  uint64_t created_on = 0;
  int64_t rotated_at = 0;  // seconds since the epoch when this version was staged
  bool present() const { return !version.empty(); }
  bool operator==(const EntityMeta&) const = default;
};

}  // namespace rotagent::store
