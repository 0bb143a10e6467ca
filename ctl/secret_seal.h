// Sealing the secret store at rest: every stored password is AES-256-GCM ciphertext under a
// 256-bit key-encryption key (KEK), by default read from a file that must be a regular file,
// owned by rotctl's user and 0600 (or 0400); or held by a PKCS#11 token
// (ctl/secret_token_kek.h). The associated data binds each ciphertext to its profile and
// version, so a sealed file moved to another name does not open.
#pragma once

#include <filesystem>
#include <string>

#include "common/status.h"

namespace rotagent::ctl {

// What seals and opens the store's versions: the file KEK or the token's.
class Sealer {
 public:
  virtual ~Sealer() = default;
  virtual Result<std::string> Seal(const std::string& plaintext, const std::string& aad) const = 0;
  // FAILED_PRECONDITION when the ciphertext, its tag or its associated data do not match.
  virtual Result<std::string> Open(const std::string& sealed, const std::string& aad) const = 0;
  virtual std::string Describe() const = 0;
};

class Kek : public Sealer {
 public:
  Kek(const Kek&) = delete;
  Kek& operator=(const Kek&) = delete;
  Kek(Kek&& o) noexcept;
  Kek& operator=(Kek&&) = delete;
  ~Kek() override;

  // FAILED_PRECONDITION naming the file and what is wrong with it (missing, a symlink, another
  // owner, group/other access, not 32 bytes); never its content.
  static Result<Kek> Load(const std::filesystem::path& file);
  // Creates the file with a fresh random key when it does not exist yet, else loads it.
  static Result<Kek> LoadOrCreate(const std::filesystem::path& file);

  // "RSS1" | 12-byte nonce | 16-byte tag | ciphertext.
  Result<std::string> Seal(const std::string& plaintext, const std::string& aad) const override;
  Result<std::string> Open(const std::string& sealed, const std::string& aad) const override;
  std::string Describe() const override { return "file " + file_; }
  static bool IsSealed(const std::string& data);

 private:
  Kek() = default;
  std::string file_;
  unsigned char key_[32] = {};
};

}  // namespace rotagent::ctl
