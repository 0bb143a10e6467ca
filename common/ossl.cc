#include "common/ossl.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>

namespace rotagent::ossl {

std::string LastError() {
  unsigned long err = ERR_peek_last_error();  // NOLINT(google-runtime-int)
  ERR_clear_error();
  if (err == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(err);
  return reason != nullptr ? reason : "OpenSSL error " + std::to_string(err);
}

std::string PairDigest(std::string_view first, std::string_view second) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  const std::string sizes = std::to_string(first.size()) + ":" + std::to_string(second.size());
  EVP_DigestUpdate(ctx.get(), sizes.data(), sizes.size());
  EVP_DigestUpdate(ctx.get(), first.data(), first.size());
  EVP_DigestUpdate(ctx.get(), second.data(), second.size());
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return {reinterpret_cast<const char*>(md), len};
}

}  // namespace rotagent::ossl
