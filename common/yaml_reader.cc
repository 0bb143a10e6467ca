#include "common/yaml_reader.h"

namespace rotagent {

YAML::Node At(const YAML::Node& n, const char* key) {
  if (n.IsDefined() && n.IsMap()) {
    for (const auto& kv : n) {
      if (kv.first.as<std::string>() == key) return kv.second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

void Reader::Fail(const YAML::Node& n, const std::string& key, const std::string& msg) const {
  std::string where = source_;
  if (n.IsDefined() && n.Mark().line >= 0) where += ":" + std::to_string(n.Mark().line + 1);
  throw YamlError(where + ": " + key + ": " + msg);
}

void Reader::AllowKeys(const YAML::Node& map, const std::string& path,
                       const std::set<std::string>& allowed) const {
  if (!map.IsDefined() || map.IsNull()) return;
  if (!map.IsMap()) Fail(map, path.empty() ? "(top level)" : path, "expected a mapping");
  for (const auto& kv : map) {
    auto k = kv.first.as<std::string>();
    if (!allowed.count(k)) {
      std::string known;
      for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
      Fail(kv.first, path.empty() ? k : path + "." + k, "unknown key (known: " + known + ")");
    }
  }
}

std::string Reader::Str(const YAML::Node& n, const std::string& key, const std::string& def) const {
  if (!n.IsDefined() || n.IsNull()) return def;
  if (!n.IsScalar()) Fail(n, key, "expected a string");
  return n.as<std::string>();
}

std::string Reader::Required(const YAML::Node& parent, const char* name,
                             const std::string& key) const {
  const YAML::Node n = At(parent, name);
  if (!n.IsDefined() || n.IsNull()) Fail(parent, key, "is required");
  return Str(n, key, "");
}

int Reader::Int(const YAML::Node& n, const std::string& key, int def, int min, int max) const {
  if (!n.IsDefined() || n.IsNull()) return def;
  int v = 0;
  try {
    v = n.as<int>();
  } catch (const YAML::Exception&) {
    Fail(n, key, "expected an integer, got '" + n.as<std::string>("") + "'");
  }
  if (v < min || v > max) {
    Fail(n, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return v;
}

bool Reader::Bool(const YAML::Node& n, const std::string& key, bool def) const {
  if (!n.IsDefined() || n.IsNull()) return def;
  try {
    return n.as<bool>();
  } catch (const YAML::Exception&) {
    Fail(n, key, "expected true or false");
  }
}

std::vector<std::string> Reader::List(const YAML::Node& n, const std::string& key) const {
  std::vector<std::string> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsSequence()) Fail(n, key, "expected a list of strings");
  for (const auto& item : n) {
    if (!item.IsScalar()) Fail(item, key, "expected a list of strings");
    out.push_back(item.as<std::string>());
  }
  return out;
}

}  // namespace rotagent
