// The controller's versioned secret store: every password rotctl generates, by profile and
// version, one 0600 file each in 0700 directories. Versions only grow; resync reads an existing
// version and never generates a new one. Devices only ever receive sha512-crypt hashes.
#pragma once

#include <filesystem>
#include <string>

#include "common/status.h"

namespace rotagent::ctl {

class SecretStore {
 public:
  explicit SecretStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // The newest version of `profile`; 0 when it has none yet.
  Result<int> Current(const std::string& profile) const;
  // The password stored as `version`; the caller wipes it.
  Result<std::string> Read(const std::string& profile, int version) const;
  // Generates a password and stores it as version Current()+1, which it returns.
  Result<int> AddGenerated(const std::string& profile);

 private:
  std::filesystem::path dir_;
};

// 24 characters from letters, digits and punctuation, with one of each, from the OpenSSL DRBG.
std::string GeneratePassword();
// A $6$ crypt(3) hash with a fresh salt.
Result<std::string> Sha512Crypt(const std::string& password);
// How versions are named on the devices: "v7".
std::string VersionLabel(int version);
int ParseVersionLabel(const std::string& label);  // 0 when it is not one of ours

}  // namespace rotagent::ctl
