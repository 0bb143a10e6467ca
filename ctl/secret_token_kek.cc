#include "ctl/secret_token_kek.h"

#include <openssl/rand.h>

#include <cstring>

#include "common/ossl.h"

namespace rotagent::ctl {
namespace {

constexpr char kMagic[] = {'R', 'S', 'S', '2'};
constexpr size_t kNonce = 12, kTag = 16;

std::string Name(const SecretsConfig& c) {
  return "the secret store's key-encryption key '" + c.key_label + "' in PKCS#11 token '" +
         c.token_label + "'";
}

Result<std::unique_ptr<Pkcs11Token>> Login(const SecretsConfig& c) {
  auto pin = ReadPin(c.pin_file, c.pin_env, "secrets");
  if (!pin.ok()) return pin.status();
  auto token = Pkcs11Token::Open(c.module, c.token_label, *pin);
  Wipe(*pin);
  if (!token.ok()) return token.status().WithContext(Name(c));
  return token;
}

}  // namespace

Result<std::unique_ptr<TokenKek>> TokenKek::Load(const SecretsConfig& config) {
  auto token = Login(config);
  if (!token.ok()) return token.status();
  auto key = (*token)->FindAesKey(config.key_label);
  if (!key.ok()) {
    return Status(key.status().code(), Name(config) + " cannot be used: " + key.status().message() +
                                           " (create it with `rotctl secrets init-kek`)");
  }
  std::unique_ptr<TokenKek> k(new TokenKek());
  k->config_ = config;
  k->token_ = std::move(*token);
  k->key_ = *key;
  return k;
}

Result<bool> TokenKek::Create(const SecretsConfig& config) {
  auto token = Login(config);
  if (!token.ok()) return token.status();
  const Status made = (*token)->GenerateAesKey(config.key_label);
  if (!made.ok() && made.code() != Code::kAlreadyExists) return made.WithContext(Name(config));
  // Whichever key is there now must be one rotctl may seal with.
  auto key = (*token)->FindAesKey(config.key_label);
  if (!key.ok()) return key.status().WithContext(Name(config));
  return made.ok();
}

std::string TokenKek::Describe() const {
  return "pkcs11 token '" + config_.token_label + "' key '" + config_.key_label + "'";
}

bool TokenKek::IsSealed(const std::string& data) {
  return data.size() >= sizeof kMagic + kNonce + kTag &&
         std::memcmp(data.data(), kMagic, sizeof kMagic) == 0;
}

Result<std::string> TokenKek::Seal(const std::string& plaintext, const std::string& aad) const {
  std::string nonce(kNonce, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonce) != 1) {
    return Internal("no randomness for a nonce");
  }
  auto ct = token_->AesGcm(true, key_, nonce, aad, plaintext);
  if (!ct.ok()) return ct.status().WithContext("sealing with " + Name(config_));
  if (ct->size() != plaintext.size() + kTag) {
    return Internal("the token's AES-GCM output has an unexpected length");
  }
  return std::string(kMagic, sizeof kMagic) + nonce + *ct;
}

Result<std::string> TokenKek::Open(const std::string& sealed, const std::string& aad) const {
  if (!IsSealed(sealed)) return FailedPrecondition("not a secret sealed by a token");
  const std::string nonce = sealed.substr(sizeof kMagic, kNonce);
  auto plain = token_->AesGcm(false, key_, nonce, aad, sealed.substr(sizeof kMagic + kNonce));
  if (!plain.ok()) {
    if (plain.status().code() == Code::kFailedPrecondition) {
      return FailedPrecondition("a sealed secret does not open with " + Name(config_) +
                                " (wrong key, or the file was altered or moved)");
    }
    return plain.status().WithContext("opening with " + Name(config_));
  }
  return plain;
}

}  // namespace rotagent::ctl
