// Opens a new TLS connection to a local listener and reports the leaf certificate it serves.
// Used to prove a candidate is live before the agent answers an upload.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"

namespace rotagent::tls {

// SHA-256 fingerprint (Fingerprint() format) of the certificate served at host:port. The connect
// and each read or write of the handshake give up after `timeout`. The probe connects from a port
// the connection gate admits beyond its cap, so a full house cannot hide the listener's health.
Result<std::string> ServedFingerprint(const std::string& host, int port,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(3));

}  // namespace rotagent::tls
