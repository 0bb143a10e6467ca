// The controller's versioned secret store: every password rotctl generates, by profile and
// version, one 0600 file each in 0700 directories, sealed with AES-256-GCM under the store's
// key-encryption key, a file or a PKCS#11 token's key (ctl/secret_seal.h,
// ctl/secret_token_kek.h): no plaintext is ever written to disk. Versions only
// grow; resync reads an existing version and never generates a new one. Devices only ever
// receive sha512-crypt hashes. Reveals and purges are recorded (never the value) in
// reveals.log and purges.log.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/inventory.h"
#include "ctl/secret_seal.h"

namespace rotagent::ctl {

class SecretStore {
 public:
  SecretStore(std::filesystem::path dir, SecretsConfig config)
      : dir_(std::move(dir)), config_(std::move(config)) {}
  // Sealed under a file KEK.
  SecretStore(std::filesystem::path dir, std::filesystem::path kek_file)
      : SecretStore(std::move(dir), FileKek(std::move(kek_file))) {}
  // The KEK file beside the store: <dir>/../secrets.kek.
  explicit SecretStore(const std::filesystem::path& dir)
      : SecretStore(dir, dir.parent_path() / "secrets.kek") {}
  // The inventory's store: <state_dir>/secrets, sealed as its secrets settings say.
  static SecretStore For(const Inventory& inv) {
    return SecretStore(inv.state_dir / "secrets", inv.pki.secrets);
  }

  // The newest version of `profile`; 0 when it has none yet.
  Result<int> Current(const std::string& profile) const;
  // The versions still stored, oldest first.
  Result<std::vector<int>> Versions(const std::string& profile) const;
  // The password stored as `version`; the caller wipes it. A version written unsealed by an
  // older rotctl, or sealed under the file KEK when secrets.kek is pkcs11, is sealed in place
  // under the configured KEK on first read.
  Result<std::string> Read(const std::string& profile, int version) const;
  // Generates a password and stores it as version Current()+1, which it returns.
  Result<int> AddGenerated(const std::string& profile);
  // Overwrites the version's file, unlinks it and records why in purges.log. Refuses the
  // current version (versions would be reused).
  Status Purge(const std::string& profile, int version, const std::string& reason) const;
  // Records in reveals.log that `version` was shown to `destination`, without the value.
  Status LogReveal(const std::string& profile, int version, const std::string& destination) const;

  // `rotctl secrets init-kek`: makes the configured KEK (a 0600 file, or a key in the token)
  // unless it exists, then seals under it every stored version that is not yet. Returns what
  // it did.
  struct KekInit {
    std::string kek;  // Describe() of the KEK
    bool created = false;
    int resealed = 0;
  };
  Result<KekInit> InitKek() const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  static SecretsConfig FileKek(std::filesystem::path kek_file) {
    SecretsConfig c;
    c.kek_file = std::move(kek_file);
    return c;
  }
  Status AppendLog(const char* name, const std::string& line) const;
  // The configured KEK; `create`: a missing KEK file is made (never a token key).
  Result<std::unique_ptr<Sealer>> OpenSealer(bool create) const;
  std::filesystem::path dir_;
  SecretsConfig config_;
};

// 24 characters from letters, digits and punctuation, with one of each, from the OpenSSL DRBG.
std::string GeneratePassword();
// A $6$ crypt(3) hash with a fresh salt.
Result<std::string> Sha512Crypt(const std::string& password);
// How versions are named on the devices: "v7".
std::string VersionLabel(int version);
int ParseVersionLabel(const std::string& label);  // 0 when it is not one of ours

}  // namespace rotagent::ctl
