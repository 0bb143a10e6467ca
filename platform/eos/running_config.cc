#include "platform/eos/running_config.h"

#include <sstream>

namespace rotagent::platform::eos {
namespace {

std::vector<std::string> Words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

size_t Indent(const std::string& line) { return line.find_first_not_of(' '); }

}  // namespace

std::optional<SslProfileConfig> ParseSslProfile(const std::string& running_config,
                                                const std::string& profile) {
  std::istringstream in(running_config);
  bool in_security = false, in_profile = false;
  size_t profile_indent = 0;
  std::optional<SslProfileConfig> out;
  for (std::string line; std::getline(in, line);) {
    const auto w = Words(line);
    if (w.empty() || w[0] == "!") {
      if (Indent(line) == 0 || w.empty()) in_security = in_profile = false;
      continue;
    }
    const size_t indent = Indent(line);
    if (indent == 0) {
      in_security = w.size() == 2 && w[0] == "management" && w[1] == "security";
      in_profile = false;
      continue;
    }
    if (!in_security) continue;
    if (w.size() == 3 && w[0] == "ssl" && w[1] == "profile") {
      in_profile = w[2] == profile;
      profile_indent = indent;
      if (in_profile) out.emplace();
      continue;
    }
    if (!in_profile || indent <= profile_indent) {
      in_profile = false;
      continue;
    }
    if (w.size() >= 2 && w[0] == "certificate") {
      out->certificate = w[1];
      if (w.size() == 4 && w[2] == "key") out->key = w[3];
    } else if (w.size() == 3 && w[0] == "trust" && w[1] == "certificate") {
      out->trust.push_back(w[2]);
    } else if (w.size() == 3 && w[0] == "chain" && w[1] == "certificate") {
      out->chain.push_back(w[2]);
    }
  }
  return out;
}

bool AgentOwned(const std::string& file) { return file.rfind("rotagent-", 0) == 0; }

bool HasUser(const std::string& running_config, const std::string& user) {
  std::istringstream in(running_config);
  for (std::string line; std::getline(in, line);) {
    const auto w = Words(line);
    if (Indent(line) == 0 && w.size() >= 2 && w[0] == "username" && w[1] == user) return true;
  }
  return false;
}

std::optional<std::string> ParseUserSecret(const std::string& running_config,
                                           const std::string& user) {
  std::istringstream in(running_config);
  for (std::string line; std::getline(in, line);) {
    const auto w = Words(line);
    if (Indent(line) != 0 || w.size() < 2 || w[0] != "username" || w[1] != user) continue;
    for (size_t i = 2; i + 2 < w.size(); ++i) {
      if (w[i] == "secret" && w[i + 1] == "sha512") return w[i + 2];
    }
  }
  return std::nullopt;
}

}  // namespace rotagent::platform::eos
