// Reading EOS running-config text: an SSL profile's certificate, key and trust certificates, and
// a user's sha512 secret. Read-back is how the adapter verifies a change and detects drift.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace rotagent::platform::eos {

struct SslProfileConfig {
  std::string certificate, key;
  std::vector<std::string> trust;
  bool operator==(const SslProfileConfig&) const = default;
};

// nullopt when the profile is not configured.
std::optional<SslProfileConfig> ParseSslProfile(const std::string& running_config,
                                                const std::string& profile);
// Whether `username NAME ...` is configured.
bool HasUser(const std::string& running_config, const std::string& user);
// The user's `secret sha512 HASH`; nullopt when the user has none (or another kind).
std::optional<std::string> ParseUserSecret(const std::string& running_config,
                                           const std::string& user);

}  // namespace rotagent::platform::eos
