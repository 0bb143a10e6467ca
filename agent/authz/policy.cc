#include "agent/authz/policy.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "common/text_field.h"

namespace rotagent::authz {
namespace {

using nlohmann::json;

// Thrown inside this file only; ParsePolicy turns it into INVALID_ARGUMENT.
struct Invalid : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Refuses deeper nesting before the JSON library sees it (its recursion is not bounded).
void CheckNesting(std::string_view text) {
  size_t depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') {
      if (++depth > kMaxNesting) {
        throw Invalid("nested deeper than " + std::to_string(kMaxNesting) + " levels");
      }
    }
    if ((c == '}' || c == ']') && depth > 0) --depth;
  }
}

// The library keeps the last of two equal keys; a reader of the policy may see the first. So a
// key twice in one object is an error, not a choice.
json ParseStrict(std::string_view text) {
  std::vector<std::set<std::string>> keys;
  std::string where;
  auto callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        keys.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case json::parse_event_t::key: {
        const std::string key = parsed.get<std::string>();
        if (!keys.empty() && !keys.back().insert(key).second) {
          throw Invalid("field '" + key + "' appears twice in one object");
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), callback);
  } catch (const json::exception& e) {
    // The library's message may quote the client's bytes: keep it printable and short.
    std::string why = e.what();
    for (char& c : why) {
      if (c < 0x20 || c > 0x7e) c = '?';
    }
    if (why.size() > 200) why.resize(200);
    throw Invalid("not valid JSON: " + why);
  }
}

void CheckFields(const json& object, const std::string& where,
                 std::initializer_list<const char*> known) {
  if (!object.is_object()) throw Invalid(where + " must be an object");
  for (const auto& item : object.items()) {
    const std::string& key = item.key();
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      // The key is the client's text: bounded and printable before it is quoted.
      const bool printable = CheckTextField("key", key, 64).ok();
      throw Invalid(where + " has unknown field " +
                    (printable ? "'" + key + "'" : "(unprintable)") + "; expected " + list);
    }
  }
}

std::string Text(const json& v, const std::string& where) {
  if (!v.is_string()) throw Invalid(where + " must be a string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.empty()) throw Invalid(where + " is empty");
  if (Status st = CheckTextField(where, s, 1024); !st.ok()) throw Invalid(st.message());
  return s;
}

Matcher MatcherOf(const std::string& s, const std::string& where) {
  if (s == "*") return {Matcher::Kind::kAny, ""};
  const size_t star = s.find('*');
  if (star == std::string::npos) return {Matcher::Kind::kExact, s};
  if (star == 0 && s.find('*', 1) == std::string::npos) {
    return {Matcher::Kind::kSuffix, s.substr(1)};
  }
  if (star == s.size() - 1) return {Matcher::Kind::kPrefix, s.substr(0, s.size() - 1)};
  throw Invalid(where + " has '*' other than as its first or last character");
}

std::vector<Matcher> Matchers(const json& parent, const char* field, const std::string& where,
                              bool principals) {
  std::vector<Matcher> out;
  auto it = parent.find(field);
  if (it == parent.end()) return out;
  if (!it->is_array()) throw Invalid(where + "." + field + " must be an array of strings");
  // gRPC reads an empty list as "any": written out, it reads as "none". Refuse the ambiguity.
  if (it->empty()) {
    throw Invalid(where + "." + field + " is empty; leave " + field + " out to match any " +
                  (principals ? "client" : "method"));
  }
  if (it->size() > kMaxMatchersPerRule) {
    throw Invalid(where + "." + field + " holds more than " + std::to_string(kMaxMatchersPerRule) +
                  " entries");
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const std::string at = where + "." + field + "[" + std::to_string(i) + "]";
    Matcher m = MatcherOf(Text((*it)[i], at), at);
    // An exact or prefix principal must name the identity's type, as the config does: a bare
    // "admin" would match nothing, and a bare prefix could match across types.
    const bool typed =
        m.text.rfind("CN=", 0) == 0 || m.text.rfind("DNS=", 0) == 0 || m.text.rfind("URI=", 0) == 0;
    if (principals && (m.kind == Matcher::Kind::kExact || m.kind == Matcher::Kind::kPrefix) &&
        !typed) {
      throw Invalid(at + " names no identity; write CN=<common name>, DNS=<SAN>, URI=<SAN>, or *");
    }
    if (!principals && (m.kind == Matcher::Kind::kExact || m.kind == Matcher::Kind::kPrefix) &&
        m.text.front() != '/') {
      throw Invalid(at + " is not a method path; write /<package.Service>/<Method> or a pattern");
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<Rule> Rules(const json& root, const char* field, bool required, size_t& total) {
  std::vector<Rule> out;
  auto it = root.find(field);
  if (it == root.end()) {
    if (required) throw Invalid(std::string(field) + " is missing");
    return out;
  }
  if (!it->is_array()) throw Invalid(std::string(field) + " must be an array of rules");
  for (size_t i = 0; i < it->size(); ++i) {
    if (++total > kMaxRules) throw Invalid("more than " + std::to_string(kMaxRules) + " rules");
    const std::string at = std::string(field) + "[" + std::to_string(i) + "]";
    const json& r = (*it)[i];
    CheckFields(r, at, {"name", "source", "request"});
    Rule rule;
    auto name = r.find("name");
    if (name == r.end()) throw Invalid(at + ".name is missing");
    rule.name = Text(*name, at + ".name");
    if (auto src = r.find("source"); src != r.end()) {
      CheckFields(*src, at + ".source", {"principals"});
      rule.principals = Matchers(*src, "principals", at + ".source", true);
    }
    if (auto req = r.find("request"); req != r.end()) {
      CheckFields(*req, at + ".request", {"paths", "headers"});
      if (req->contains("headers")) {
        throw Invalid(at + ".request.headers: header matching is not supported by this agent");
      }
      rule.paths = Matchers(*req, "paths", at + ".request", false);
    }
    out.push_back(std::move(rule));
  }
  return out;
}

bool AnyMatches(const std::vector<Matcher>& ms, const std::string& s) {
  return std::any_of(ms.begin(), ms.end(), [&](const Matcher& m) { return m.Matches(s); });
}

bool RuleMatches(const Rule& r, const std::vector<std::string>& ids, const std::string& path) {
  if (!r.paths.empty() && !AnyMatches(r.paths, path)) return false;
  if (r.principals.empty()) return true;
  // "*" admits any verified client, even one whose certificate names no identity.
  for (const auto& m : r.principals) {
    if (m.kind == Matcher::Kind::kAny) return true;
    if (std::any_of(ids.begin(), ids.end(), [&](const std::string& id) { return m.Matches(id); })) {
      return true;
    }
  }
  return false;
}

std::string PatternText(const Matcher& m) {
  switch (m.kind) {
    case Matcher::Kind::kAny:
      return "*";
    case Matcher::Kind::kPrefix:
      return m.text + "*";
    case Matcher::Kind::kSuffix:
      return "*" + m.text;
    case Matcher::Kind::kExact:
      break;
  }
  return m.text;
}

json RulesJson(const std::vector<Rule>& rules) {
  json out = json::array();
  for (const auto& r : rules) {
    json j = {{"name", r.name}};
    for (const auto& m : r.principals) j["source"]["principals"].push_back(PatternText(m));
    for (const auto& m : r.paths) j["request"]["paths"].push_back(PatternText(m));
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

bool Matcher::Matches(std::string_view s) const {
  switch (kind) {
    case Kind::kAny:
      return true;
    case Kind::kPrefix:
      return s.size() >= text.size() && s.compare(0, text.size(), text) == 0;
    case Kind::kSuffix:
      return s.size() >= text.size() && s.compare(s.size() - text.size(), text.size(), text) == 0;
    case Kind::kExact:
      break;
  }
  return s == text;
}

Result<Policy> ParsePolicy(std::string_view text) {
  if (text.empty()) return InvalidArgument("policy is empty");
  if (text.size() > kMaxPolicyBytes) {
    return InvalidArgument("policy is " + std::to_string(text.size()) + " bytes; at most " +
                           std::to_string(kMaxPolicyBytes) + " are accepted");
  }
  try {
    CheckNesting(text);
    const json root = ParseStrict(text);
    CheckFields(root, "policy", {"name", "deny_rules", "allow_rules"});
    Policy p;
    auto name = root.find("name");
    if (name == root.end()) throw Invalid("name is missing");
    p.name = Text(*name, "name");
    size_t total = 0;
    p.deny_rules = Rules(root, "deny_rules", false, total);
    p.allow_rules = Rules(root, "allow_rules", true, total);
    return p;
  } catch (const Invalid& e) {
    return InvalidArgument(e.what());
  }
}

Policy FactoryPolicy(const std::map<std::string, std::vector<std::string>>& rules) {
  Policy p;
  p.name = "factory (config authorization)";
  for (const auto& [key, ids] : rules) {
    Rule r;
    r.name = key;
    if (key.front() != '/') {
      r.paths.push_back({Matcher::Kind::kPrefix, "/" + key + "/"});  // bare service name
    } else if (key.size() > 2 && key.compare(key.size() - 2, 2, "/*") == 0) {
      r.paths.push_back({Matcher::Kind::kPrefix, key.substr(0, key.size() - 1)});
    } else {
      r.paths.push_back({Matcher::Kind::kExact, key});
    }
    for (const auto& id : ids) {
      r.principals.push_back(id == "*" ? Matcher{Matcher::Kind::kAny, ""}
                                       : Matcher{Matcher::Kind::kExact, id});
    }
    // A key that lists nobody admits nobody, not everybody (an empty list is "any" in a rule).
    if (!ids.empty()) p.allow_rules.push_back(std::move(r));
  }
  return p;
}

std::string ToJson(const Policy& p) {
  json j = {{"name", p.name}};
  if (!p.deny_rules.empty()) j["deny_rules"] = RulesJson(p.deny_rules);
  j["allow_rules"] = RulesJson(p.allow_rules);
  return j.dump(2);
}

Decision Evaluate(const Policy& p, const std::vector<std::string>& ids, const std::string& path) {
  for (const auto& r : p.deny_rules) {
    if (RuleMatches(r, ids, path)) return {false, r.name};
  }
  for (const auto& r : p.allow_rules) {
    if (RuleMatches(r, ids, path)) return {true, r.name};
  }
  return {false, ""};
}

}  // namespace rotagent::authz
