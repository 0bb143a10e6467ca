#include "agent/state/path.h"

#include <algorithm>

namespace rotagent::state {
namespace {

bool ElemMatches(const PathElem& pattern, const PathElem& elem) {
  if (pattern.name != "*" && pattern.name != elem.name) return false;
  for (const auto& [k, v] : pattern.keys) {
    auto it = elem.keys.find(k);
    if (it == elem.keys.end() || (v != "*" && v != it->second)) return false;
  }
  return true;
}

// Matches pattern[i..] against path[j..].
bool MatchFrom(const Path& pattern, size_t i, const Path& path, size_t j) {
  for (; i < pattern.size(); ++i, ++j) {
    if (pattern[i].name == "...") {
      for (size_t k = j; k <= path.size(); ++k) {
        if (MatchFrom(pattern, i + 1, path, k)) return true;
      }
      return false;
    }
    if (j == path.size()) return false;  // the pattern goes deeper than this leaf
    if (!ElemMatches(pattern[i], path[j])) return false;
  }
  return true;  // the pattern ended: everything below it is covered
}

}  // namespace

Path ParsePath(const std::string& text) {
  Path p;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '/') {
      ++i;
      continue;
    }
    PathElem e;
    while (i < text.size() && text[i] != '/' && text[i] != '[') e.name += text[i++];
    while (i < text.size() && text[i] == '[') {
      // An unclosed '[' ends the path and a key without '=' has an empty value: both leave an
      // empty key name or value for CheckPattern to refuse.
      const size_t close = text.find(']', i);
      if (close == std::string::npos) {
        e.keys[""] = "";
        i = text.size();
        break;
      }
      const size_t eq = std::min(text.find('=', i), close);
      e.keys[text.substr(i + 1, eq - i - 1)] =
          eq < close ? text.substr(eq + 1, close - eq - 1) : "";
      i = close + 1;
    }
    p.push_back(std::move(e));
  }
  return p;
}

std::string PathString(const Path& p) {
  std::string out;
  for (const auto& e : p) {
    out += "/" + e.name;
    for (const auto& [k, v] : e.keys) out += "[" + k + "=" + v + "]";
  }
  return out.empty() ? "/" : out;
}

Status CheckPattern(const Path& pattern) {
  for (const auto& e : pattern) {
    if (e.name.empty())
      return InvalidArgument("path " + PathString(pattern) + " has an empty element");
    if (e.name == "..." && !e.keys.empty()) {
      return InvalidArgument("path " + PathString(pattern) + ": '...' cannot carry keys");
    }
    for (const auto& [k, v] : e.keys) {
      if (k.empty() || v.empty()) {
        return InvalidArgument("path " + PathString(pattern) + " has an empty key name or value");
      }
    }
  }
  return Status::Ok();
}

bool Covers(const Path& pattern, const Path& path) { return MatchFrom(pattern, 0, path, 0); }

bool CouldMatch(const Path& pattern, const Path& schema) {
  Path names = pattern;  // key values name instances that may not exist yet: compare names only
  for (auto& e : names) e.keys.clear();
  return MatchFrom(names, 0, schema, 0);
}

}  // namespace rotagent::state
