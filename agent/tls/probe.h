// Opens a new TLS connection to a local listener and reports the leaf certificate it serves.
// Used to prove a candidate is live before the agent answers an upload.
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"

namespace rotagent::tls {

// One probe handshake in two halves. Start connects and sends the ClientHello, so that the
// listener builds its context and answers while the caller goes on with other work; Finish
// reads the answer. The probe connects from a port the connection gate admits beyond its cap,
// so a full house cannot hide the listener's health.
class ServedProbe {
 public:
  // Connects to host:port and sends the ClientHello; the connect and each later read or write
  // give up after `timeout`. A failure is reported by Finish.
  static ServedProbe Start(const std::string& host, int port, std::chrono::milliseconds timeout);
  ServedProbe(ServedProbe&&) noexcept;
  ServedProbe& operator=(ServedProbe&&) noexcept;
  ~ServedProbe();

  // SHA-256 fingerprint (Fingerprint() format) of the leaf the listener serves. Call once.
  Result<std::string> Finish();

 private:
  struct Connection;
  explicit ServedProbe(std::unique_ptr<Connection> c);
  std::unique_ptr<Connection> c_;
};

// Makes every handshake of `ctx` stop at the server's certificate, writing its fingerprint to
// the std::string that the connection's app data (SSL_set_app_data) points at. The probe's own
// context is one; a test can make another to choose what the client offers.
void StopAtServerCertificate(SSL_CTX* ctx);

// Both halves at once.
Result<std::string> ServedFingerprint(const std::string& host, int port,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(3));

}  // namespace rotagent::tls
