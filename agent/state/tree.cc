#include "agent/state/tree.h"

#include <chrono>

namespace rotagent::state {
namespace {

constexpr size_t kMaxTombstones = 4096;

std::string KeyOf(const Leaf& l) { return l.origin + ":" + PathString(l.path); }

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Wanted(const Leaf& l, const std::string& origin, const std::vector<Path>& patterns) {
  if (l.origin != origin) return false;
  for (const auto& p : patterns) {
    if (Covers(p, l.path)) return true;
  }
  return false;
}

}  // namespace

void Tree::Replace(std::vector<Leaf> leaves) {
  std::lock_guard lock(mu_);
  const uint64_t next = generation_ + 1;
  bool changed = false;
  std::map<std::string, Entry> fresh;
  for (auto& l : leaves) {
    const std::string key = KeyOf(l);
    auto old = leaves_.find(key);
    if (old != leaves_.end() && old->second.leaf.value == l.value) {
      fresh.emplace(key, std::move(old->second));
      continue;
    }
    l.timestamp_ns = NowNs();
    fresh.emplace(key, Entry{std::move(l), next});
    tombstones_.erase(key);
    changed = true;
  }
  for (auto& [key, e] : leaves_) {
    if (fresh.count(key) != 0) continue;
    e.leaf.timestamp_ns = NowNs();
    tombstones_[key] = Entry{std::move(e.leaf), next};
    changed = true;
  }
  while (tombstones_.size() > kMaxTombstones) tombstones_.erase(tombstones_.begin());
  leaves_ = std::move(fresh);
  if (changed) {
    generation_ = next;
    cv_.notify_all();
  }
}

uint64_t Tree::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

std::vector<Leaf> Tree::Snapshot(const std::string& origin, const Path& pattern) const {
  std::lock_guard lock(mu_);
  std::vector<Leaf> out;
  for (const auto& [key, e] : leaves_) {
    if (Wanted(e.leaf, origin, {pattern})) out.push_back(e.leaf);
  }
  return out;
}

Changes Tree::Since(uint64_t since, const std::string& origin,
                    const std::vector<Path>& patterns) const {
  std::lock_guard lock(mu_);
  Changes c;
  c.generation = generation_;
  for (const auto& [key, e] : leaves_) {
    if (e.generation > since && Wanted(e.leaf, origin, patterns)) c.updated.push_back(e.leaf);
  }
  for (const auto& [key, e] : tombstones_) {
    if (e.generation > since && Wanted(e.leaf, origin, patterns)) c.deleted.push_back(e.leaf);
  }
  return c;
}

bool Tree::WaitPast(uint64_t since, std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mu_);
  const uint64_t kicks = kicks_;
  return cv_.wait_until(lock, deadline, [&] { return generation_ > since || kicks_ != kicks; });
}

void Tree::Kick() {
  std::lock_guard lock(mu_);
  ++kicks_;
  cv_.notify_all();
}

}  // namespace rotagent::state
