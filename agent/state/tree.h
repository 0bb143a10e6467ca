// The agent's state as a tree of leaves, shared by gNMI Get and Subscribe. Producers replace the
// whole set of leaves at once; the tree keeps, per leaf, the generation at which it last changed,
// and tombstones for leaves that disappeared, so a subscriber asks "what changed since n".
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "agent/state/path.h"

namespace rotagent::state {

using Value = std::variant<std::string, uint64_t, int64_t, bool>;

struct Leaf {
  std::string origin;  // "openconfig" or "rotagent"
  Path path;
  Value value;
  int64_t timestamp_ns = 0;  // when the value last changed
};

struct Changes {
  std::vector<Leaf> updated;
  std::vector<Leaf> deleted;  // value unset
  uint64_t generation = 0;
};

class Tree {
 public:
  // Replaces every leaf with `leaves`; leaves whose value is unchanged keep their generation.
  void Replace(std::vector<Leaf> leaves);
  uint64_t generation() const;
  // Leaves of `origin` under `pattern`.
  std::vector<Leaf> Snapshot(const std::string& origin, const Path& pattern) const;
  // Changes after generation `since` for leaves under any of `patterns` (all of one origin).
  Changes Since(uint64_t since, const std::string& origin, const std::vector<Path>& patterns) const;
  // Waits until the generation passes `since` or `deadline`; false on timeout.
  bool WaitPast(uint64_t since, std::chrono::steady_clock::time_point deadline) const;
  // Wakes every waiter (for shutdown).
  void Kick();

 private:
  struct Entry {
    Leaf leaf;
    uint64_t generation;
  };
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::string, Entry> leaves_;      // by origin + path string
  std::map<std::string, Entry> tombstones_;  // deleted leaves, by the same key
  uint64_t generation_ = 0;
  uint64_t kicks_ = 0;
};

}  // namespace rotagent::state
