// Opens a new TLS connection to a local listener and reports the leaf certificate it serves.
// Used to prove a candidate is live before the agent answers an upload.
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"

namespace rotagent::tls {

// The TLS version the probe speaks. TLS 1.2 shows the server's certificate before any key
// exchange, so a probe that stops there has neither side compute a shared secret (about 0.5 ms of
// CPU per proof here); and, sent in the clear, the certificate is read off the socket without
// OpenSSL decoding it (ServerCertificateReader). A connection's identity is set at its accept,
// before the version is negotiated (swappable_credentials.h), so TLS 1.3 clients are served the
// same certificate; tests and the benchmark's floor look as a TLS 1.3 client.
enum class ProbeVersion { kTls12, kTls13 };

// One probe handshake in two halves. Start connects and sends the ClientHello, so that the
// listener builds its context and answers while the caller goes on with other work; Finish
// reads the answer. The probe connects from a port the connection gate admits beyond its cap,
// so a full house cannot hide the listener's health.
class ServedProbe {
 public:
  // Connects to host:port and sends the ClientHello; the connect and each later read or write
  // give up after `timeout`. A failure is reported by Finish.
  static ServedProbe Start(const std::string& host, int port, std::chrono::milliseconds timeout,
                           ProbeVersion version = ProbeVersion::kTls12);
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
                                      std::chrono::milliseconds timeout = std::chrono::seconds(3),
                                      ProbeVersion version = ProbeVersion::kTls12);

}  // namespace rotagent::tls
