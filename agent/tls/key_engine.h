// Hands gRPC the listener's private key already parsed. gRPC 1.51 takes a server key either as
// PEM, which it decodes on every identity swap through OpenSSL 3.0's general decoder (0.8 ms for
// P-256, on the path of the first handshake after a rotation), or as "engine:<id>:<key id>",
// which it loads through that OpenSSL ENGINE. This is such an ENGINE, inside the process: it
// implements no algorithm, only the loading of keys registered here, so the key's PEM never
// reaches gRPC and a swap costs a reference count.
#pragma once

#include <string>

#include "common/ossl.h"
#include "common/status.h"

namespace rotagent::tls {

// A key gRPC can load while this handle lives. Movable; the key leaves the registry with it.
class RegisteredKey {
 public:
  // Registers `key` under a fresh random id. Fails only if OpenSSL refuses the ENGINE.
  static Result<RegisteredKey> Register(ossl::Pkey key);

  RegisteredKey(RegisteredKey&& other) noexcept;
  RegisteredKey& operator=(RegisteredKey&& other) noexcept;
  RegisteredKey(const RegisteredKey&) = delete;
  RegisteredKey& operator=(const RegisteredKey&) = delete;
  ~RegisteredKey();

  // What gRPC takes in place of the key's PEM: "engine:<engine id>:<key id>". It names the key
  // inside this process only; it is no secret.
  const std::string& reference() const { return reference_; }

 private:
  RegisteredKey(std::string id, std::string reference);
  std::string id_;
  std::string reference_;
};

}  // namespace rotagent::tls
