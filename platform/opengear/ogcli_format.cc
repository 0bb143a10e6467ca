#include "platform/opengear/ogcli_format.h"

#include <cctype>

namespace rotagent::platform::opengear {
namespace {

bool FieldChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-' ||
         c == '[' || c == ']';
}

}  // namespace

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

std::vector<OgcliRecord> ParseOgcliRecords(const std::string& text) {
  std::vector<OgcliRecord> out;
  OgcliRecord block;
  const auto close = [&] {
    if (!block.empty()) out.push_back(std::move(block));
    block.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    size_t eol = text.find('\n', i);
    if (eol == std::string::npos) eol = text.size();
    size_t eq = i;
    while (eq < eol && FieldChar(text[eq])) ++eq;
    if (eq == i || eq >= eol || text[eq] != '=') {
      // An empty line ends a block; anything else that is not a field is skipped.
      if (text.find_first_not_of(" \t\r", i) >= eol) close();
      i = eol + 1;
      continue;
    }
    const std::string field = text.substr(i, eq - i);
    std::string value;
    size_t next = eol + 1;
    if (eq + 1 < text.size() && text[eq + 1] == '"') {
      // A quoted value may span lines: it runs to the first unescaped quote.
      size_t j = eq + 2;
      bool closed = false;
      for (; j < text.size(); ++j) {
        const char c = text[j];
        if (c == '\\' && j + 1 < text.size()) {
          const char n = text[++j];
          value += n == 'n' ? '\n' : n;
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value += c;
        }
      }
      if (!closed) break;  // truncated output: keep what parsed before it
      next = text.find('\n', j);
      next = next == std::string::npos ? text.size() : next + 1;
    } else {
      value = text.substr(eq + 1, eol - eq - 1);
      if (!value.empty() && value.back() == '\r') value.pop_back();
    }
    if (block.count(field) != 0) close();
    block[field] = std::move(value);
    i = next;
  }
  close();
  return out;
}

OgcliRecord ParseOgcli(const std::string& text) {
  OgcliRecord all;
  for (auto& r : ParseOgcliRecords(text)) {
    for (auto& [k, v] : r) all[k] = std::move(v);
  }
  return all;
}

bool MaskedHash(const std::string& value) { return value.empty() || value[0] != '$'; }

}  // namespace rotagent::platform::opengear
