// The identities a client certificate presents: "CN=x" from its one commonName, "DNS=x" and
// "URI=x" from its subjectAltName. Read exactly: a value with an embedded NUL, or a subject with
// several commonNames, would let one certificate pass for another, so such a certificate is
// refused.
#pragma once

#include <string>
#include <vector>

#include "common/ossl.h"
#include "common/status.h"

namespace rotagent::authz {

// PERMISSION_DENIED naming the malformed field.
Result<std::vector<std::string>> IdentitiesOf(X509* cert);

}  // namespace rotagent::authz
