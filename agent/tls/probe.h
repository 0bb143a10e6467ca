// Opens a new TLS connection to a local listener and reports the leaf certificate it serves.
// Used to prove a candidate is live before the agent answers an upload.
#pragma once

#include <string>

#include "common/status.h"

namespace rotagent::tls {

// SHA-256 fingerprint (Fingerprint() format) of the certificate served at host:port.
Result<std::string> ServedFingerprint(const std::string& host, int port);

}  // namespace rotagent::tls
