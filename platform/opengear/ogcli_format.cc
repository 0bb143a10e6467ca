#include "platform/opengear/ogcli_format.h"

#include <sstream>

namespace rotagent::platform::opengear {

std::string OgcliQuote(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::map<std::string, std::string> ParseOgcli(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"' ||
        line.back() != '"' || line.size() < eq + 3) {
      continue;
    }
    std::string value;
    for (size_t i = eq + 2; i + 1 < line.size(); ++i) {
      if (line[i] == '\\' && i + 2 < line.size()) {
        const char n = line[++i];
        value += n == 'n' ? '\n' : n;
      } else {
        value += line[i];
      }
    }
    out[line.substr(0, eq)] = std::move(value);
  }
  return out;
}

}  // namespace rotagent::platform::opengear
