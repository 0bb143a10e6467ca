// Reading EOS running-config text: an SSL profile's certificate, key and trust certificates, and
// a user's sha512 secret. Read-back is how the adapter verifies a change and detects drift.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace rotagent::platform::eos {

struct SslProfileConfig {
  std::string certificate, key;
  std::vector<std::string> trust;  // `trust certificate` lines, built-in ones (system) included
  std::vector<std::string> chain;  // `chain certificate` lines: intermediates sent to peers
  bool operator==(const SslProfileConfig&) const = default;
};

// nullopt when the profile is not configured.
// Files the agent imported are named "rotagent-..."; every other trust or chain line (the built-in
// `trust certificate system`, an operator's own CA) is left as it is by the adapter.
bool AgentOwned(const std::string& file);
std::optional<SslProfileConfig> ParseSslProfile(const std::string& running_config,
                                                const std::string& profile);
// Whether `username NAME ...` is configured.
bool HasUser(const std::string& running_config, const std::string& user);
// The user's `secret sha512 HASH`; nullopt when the user has none (or another kind).
std::optional<std::string> ParseUserSecret(const std::string& running_config,
                                           const std::string& user);

}  // namespace rotagent::platform::eos
