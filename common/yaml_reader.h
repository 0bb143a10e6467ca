// Reading YAML files whose every error names the file, the line and the key, and whose unknown
// keys are errors: the agent's config and rotctl's inventory.
#pragma once

#include <yaml-cpp/yaml.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace rotagent {

// A child of a mapping, or an undefined node when `n` is absent or not a mapping.
// (yaml-cpp's const operator[] yields a node that throws when a key is missing.)
YAML::Node At(const YAML::Node& n, const char* key);

// What Reader throws: "file:line: key: message".
class YamlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void Fail(const YAML::Node& n, const std::string& key, const std::string& msg) const;
  // Fails on a key of `map` that is not in `allowed`, listing the known ones.
  void AllowKeys(const YAML::Node& map, const std::string& path,
                 const std::set<std::string>& allowed) const;
  std::string Str(const YAML::Node& n, const std::string& key, const std::string& def) const;
  // Like Str, but an absent value fails naming `key` at `parent`.
  std::string Required(const YAML::Node& parent, const char* name, const std::string& key) const;
  int Int(const YAML::Node& n, const std::string& key, int def, int min, int max) const;
  bool Bool(const YAML::Node& n, const std::string& key, bool def) const;
  std::vector<std::string> List(const YAML::Node& n, const std::string& key) const;

 private:
  std::string source_;
};

}  // namespace rotagent
