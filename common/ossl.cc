#include "common/ossl.h"

#include <openssl/err.h>

namespace rotagent::ossl {

std::string LastError() {
  unsigned long err = ERR_peek_last_error();  // NOLINT(google-runtime-int)
  ERR_clear_error();
  if (err == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(err);
  return reason != nullptr ? reason : "OpenSSL error " + std::to_string(err);
}

}  // namespace rotagent::ossl
