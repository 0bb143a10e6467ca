// The controller's versioned secret store: every password rotctl generates, by profile and
// version, one 0600 file each in 0700 directories, sealed with AES-256-GCM under the store's
// key-encryption key (ctl/secret_seal.h): no plaintext is ever written to disk. Versions only
// grow; resync reads an existing version and never generates a new one. Devices only ever
// receive sha512-crypt hashes. Reveals and purges are recorded (never the value) in
// reveals.log and purges.log.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/inventory.h"

namespace rotagent::ctl {

class SecretStore {
 public:
  SecretStore(std::filesystem::path dir, std::filesystem::path kek_file)
      : dir_(std::move(dir)), kek_file_(std::move(kek_file)) {}
  // The KEK beside the store: <dir>/../secrets.kek.
  explicit SecretStore(const std::filesystem::path& dir)
      : SecretStore(dir, dir.parent_path() / "secrets.kek") {}
  // The inventory's store: <state_dir>/secrets, sealed under secrets.kek_file.
  static SecretStore For(const Inventory& inv) {
    return SecretStore(inv.state_dir / "secrets", inv.pki.secrets.kek_file);
  }

  // The newest version of `profile`; 0 when it has none yet.
  Result<int> Current(const std::string& profile) const;
  // The versions still stored, oldest first.
  Result<std::vector<int>> Versions(const std::string& profile) const;
  // The password stored as `version`; the caller wipes it. A version written unsealed by an
  // older rotctl is sealed in place on first read.
  Result<std::string> Read(const std::string& profile, int version) const;
  // Generates a password and stores it as version Current()+1, which it returns.
  Result<int> AddGenerated(const std::string& profile);
  // Overwrites the version's file, unlinks it and records why in purges.log. Refuses the
  // current version (versions would be reused).
  Status Purge(const std::string& profile, int version, const std::string& reason) const;
  // Records in reveals.log that `version` was shown to `destination`, without the value.
  Status LogReveal(const std::string& profile, int version, const std::string& destination) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  Status AppendLog(const char* name, const std::string& line) const;
  std::filesystem::path dir_, kek_file_;
};

// 24 characters from letters, digits and punctuation, with one of each, from the OpenSSL DRBG.
std::string GeneratePassword();
// A $6$ crypt(3) hash with a fresh salt.
Result<std::string> Sha512Crypt(const std::string& password);
// How versions are named on the devices: "v7".
std::string VersionLabel(int version);
int ParseVersionLabel(const std::string& label);  // 0 when it is not one of ours

}  // namespace rotagent::ctl
