// Proof that a listener serves a certificate: a fresh TLS handshake to it, comparing the leaf it
// presents with the expected one. The peer is not verified otherwise (it is the box itself, and
// the point is which certificate it now serves).
#pragma once

#include <string>

#include "common/status.h"

namespace rotagent::platform::eos {

// OK when `address` ("host:port") completes a handshake presenting `leaf_pem`'s certificate;
// UNAVAILABLE when no handshake completes, FAILED_PRECONDITION when another certificate is served.
Status ProbeListener(const std::string& address, const std::string& leaf_pem, int timeout_seconds);

}  // namespace rotagent::platform::eos
