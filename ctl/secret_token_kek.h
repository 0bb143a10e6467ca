// The secret store's key-encryption key held by a PKCS#11 token (secrets.kek: pkcs11): an
// AES-256 secret key object that is sensitive and never extractable, so the key never exists
// outside the token. Each version is encrypted by the token itself (CKM_AES_GCM, a fresh
// 96-bit nonce, the version's place as associated data); rotctl only ever holds the password
// it is sealing or has just opened.
#pragma once

#include <memory>
#include <string>

#include "ctl/pkcs11_token.h"
#include "ctl/pki_config.h"
#include "ctl/secret_seal.h"

namespace rotagent::ctl {

class TokenKek : public Sealer {
 public:
  // Logs in to the token and finds the key. FAILED_PRECONDITION naming the label when the token
  // has none (or one it would let out), PERMISSION_DENIED for a wrong PIN.
  static Result<std::unique_ptr<TokenKek>> Load(const SecretsConfig& config);
  // `rotctl secrets init-kek`: generates the key in the token unless it holds one labelled so;
  // returns whether it made one. An existing key is checked as Load does and never replaced.
  static Result<bool> Create(const SecretsConfig& config);

  // "RSS2" | 12-byte nonce | ciphertext | 16-byte tag.
  Result<std::string> Seal(const std::string& plaintext, const std::string& aad) const override;
  Result<std::string> Open(const std::string& sealed, const std::string& aad) const override;
  std::string Describe() const override;
  static bool IsSealed(const std::string& data);

 private:
  TokenKek() = default;
  SecretsConfig config_;
  std::unique_ptr<Pkcs11Token> token_;
  unsigned long key_ = 0;  // NOLINT(google-runtime-int): a CK_OBJECT_HANDLE
};

}  // namespace rotagent::ctl
