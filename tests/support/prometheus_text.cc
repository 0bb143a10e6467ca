#include "tests/support/prometheus_text.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <set>
#include <vector>

namespace rotagent::testing {
namespace {

const std::regex kMetricName("[a-zA-Z_:][a-zA-Z0-9_:]*");
const std::regex kLabelName("[a-zA-Z_][a-zA-Z0-9_]*");

bool ParseValue(const std::string& s, double* out) {
  if (s == "NaN") return (*out = NAN), true;
  if (s == "+Inf") return (*out = INFINITY), true;
  if (s == "-Inf") return (*out = -INFINITY), true;
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return *end == '\0' && std::isfinite(*out);
}

// Family of a sample name: histogram and summary samples carry suffixes.
std::string FamilyOf(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string sfx = suffix;
    if (name.size() > sfx.size() && name.compare(name.size() - sfx.size(), sfx.size(), sfx) == 0) {
      const std::string base = name.substr(0, name.size() - sfx.size());
      auto t = types.find(base);
      if (t != types.end() && (t->second == "histogram" || t->second == "summary")) return base;
    }
  }
  return name;
}

}  // namespace

Result<PromMetrics> ParsePromText(const std::string& text) {
  PromMetrics m;
  if (text.empty() || text.back() != '\n') return InvalidArgument("does not end with a newline");
  std::set<std::string> closed;  // families whose samples ended (a later one would split them)
  std::string current;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    const auto fail = [&](const std::string& why) {
      return InvalidArgument("line " + std::to_string(line_no) + ": " + why + ": " + line);
    };
    if (line.empty()) return fail("empty line");
    if (line[0] == '#') {
      std::smatch g;
      static const std::regex kMeta("# (HELP|TYPE) (\\S+) (.*)");
      if (!std::regex_match(line, g, kMeta)) continue;  // a plain comment
      const std::string kind = g[1], name = g[2], rest = g[3];
      if (!std::regex_match(name, kMetricName)) return fail("bad metric name");
      if (closed.count(name) || (!current.empty() && current != name && m.types.count(name))) {
        return fail("family split");
      }
      if (kind == "TYPE") {
        static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                     "untyped"};
        if (!kTypes.count(rest)) return fail("unknown type");
        if (m.types.count(name)) return fail("TYPE given twice");
        if (rest == "counter" && (name.size() < 6 || name.substr(name.size() - 6) != "_total")) {
          return fail("a counter's name must end in _total");
        }
        m.types[name] = rest;
      } else {
        if (m.help.count(name)) return fail("HELP given twice");
        m.help[name] = rest;
      }
      if (current != name && !current.empty()) closed.insert(current);
      current = name;
      continue;
    }
    // name{label="value",...} value [timestamp]
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    const std::string name = line.substr(0, i);
    if (!std::regex_match(name, kMetricName)) return fail("bad metric name");
    std::vector<std::pair<std::string, std::string>> labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t eq = line.find('=', i);
        if (eq == std::string::npos) return fail("label without =");
        const std::string lname = line.substr(i, eq - i);
        if (!std::regex_match(lname, kLabelName) || lname.rfind("__", 0) == 0) {
          return fail("bad label name '" + lname + "'");
        }
        i = eq + 1;
        if (i >= line.size() || line[i] != '"') return fail("label value not quoted");
        std::string value;
        for (++i; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\') {
            if (++i >= line.size()) return fail("dangling escape");
            if (line[i] == 'n') {
              value += '\n';
            } else if (line[i] == '\\' || line[i] == '"') {
              value += line[i];
            } else {
              return fail("bad escape");
            }
          } else {
            value += line[i];
          }
        }
        if (i >= line.size()) return fail("unterminated label value");
        ++i;
        for (const auto& l : labels) {
          if (l.first == lname) return fail("label " + lname + " repeated");
        }
        labels.emplace_back(lname, value);
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) return fail("unterminated labels");
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') return fail("no value");
    const std::string rest = line.substr(i + 1);
    const size_t sp = rest.find(' ');
    double value = 0;
    if (!ParseValue(rest.substr(0, sp), &value)) return fail("bad value");
    if (sp != std::string::npos) {
      const std::string ts = rest.substr(sp + 1);
      if (ts.empty() || ts.find_first_not_of("-0123456789") != std::string::npos) {
        return fail("bad timestamp");
      }
    }
    const std::string family = FamilyOf(name, m.types);
    if (!m.types.count(family)) return fail("sample before its TYPE");
    if (family != current) return fail("sample outside its family's block");
    std::sort(labels.begin(), labels.end());
    std::string key = name + "{";
    for (size_t k = 0; k < labels.size(); ++k) {
      key += (k ? "," : "") + labels[k].first + "=\"" + labels[k].second + "\"";
    }
    key += "}";
    if (!m.samples.emplace(key, value).second) return fail("duplicate series");
  }
  return m;
}

}  // namespace rotagent::testing
