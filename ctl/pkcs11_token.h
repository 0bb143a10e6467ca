// A PKCS#11 token reached through its module (SoftHSM2, an HSM, a smart card): one logged-in
// session, the key pairs rotctl makes in it (sensitive, never extractable) and ECDSA signatures
// made inside it. No private key material ever crosses this interface.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/ossl.h"
#include "common/status.h"

namespace rotagent::ctl {

class Pkcs11Token {
 public:
  // Loads `module`, finds the token labelled `token_label` and logs in as its user with `pin`.
  static Result<std::unique_ptr<Pkcs11Token>> Open(const std::filesystem::path& module,
                                                   const std::string& token_label,
                                                   const std::string& pin);
  Pkcs11Token(const Pkcs11Token&) = delete;
  Pkcs11Token& operator=(const Pkcs11Token&) = delete;
  ~Pkcs11Token();

  // Generates an EC P-256 key pair labelled `label` whose private half is sensitive and never
  // extractable; ALREADY_EXISTS if the token holds a private key with that label. Returns the
  // public key.
  Result<ossl::Pkey> GenerateEcKey(const std::string& label);
  // The handle of the private key labelled `label`. Refuses a key the token would let out
  // (CKA_EXTRACTABLE true or CKA_SENSITIVE false) and anything but one EC key.
  Result<unsigned long> FindSigningKey(const std::string& label);  // NOLINT(google-runtime-int)
  // A DER ECDSA-Sig-Value over `digest`, computed by the token. Thread-safe.
  Result<std::string> SignDigest(unsigned long key,  // NOLINT(google-runtime-int)
                                 const unsigned char* digest, size_t len);

  // Generates an AES-256 secret key labelled `label`, sensitive, never extractable, for
  // encryption only (no wrapping); ALREADY_EXISTS if the token holds a secret key so labelled.
  Status GenerateAesKey(const std::string& label);
  // The handle of the secret key labelled `label`; refuses one the token would let out and
  // anything but one AES-256 key.
  Result<unsigned long> FindAesKey(const std::string& label);  // NOLINT(google-runtime-int)
  // AES-256-GCM inside the token with a 128-bit tag: encrypt returns ciphertext || tag; decrypt
  // takes it and fails FAILED_PRECONDITION when the tag does not match. Thread-safe.
  Result<std::string> AesGcm(bool encrypt, unsigned long key,  // NOLINT(google-runtime-int)
                             const std::string& iv, const std::string& aad, const std::string& in);

 private:
  Pkcs11Token() = default;
  Result<std::vector<unsigned long>> FindSecretKeys(const std::string& label);  // NOLINT
  struct Module;
  std::unique_ptr<Module> m_;
  std::mutex mu_;  // one session, used by one thread at a time
};

// The PIN for a token: the first line of `pin_file` (which must be 0600 or 0400 and owned by
// rotctl's user) or the value of the environment variable `pin_env`. Never from argv. Errors
// name the inventory keys under `setting` ("signer", "secrets").
Result<std::string> ReadPin(const std::filesystem::path& pin_file, const std::string& pin_env,
                            const std::string& setting = "signer");

}  // namespace rotagent::ctl
