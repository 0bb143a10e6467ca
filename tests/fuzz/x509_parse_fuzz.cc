// PEM, DER, PKCS#7 and CRL parsing of untrusted bytes; the first byte picks the parser.
#include <string_view>

#include "common/x509.h"

using rotagent::x509::Encoding;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      (void)rotagent::x509::ParseCertificates(in, Encoding::kPem, "fuzz");
      break;
    case 1:
      (void)rotagent::x509::ParseCertificates(in, Encoding::kDer, "fuzz");
      break;
    case 2:
      (void)rotagent::x509::ParsePkcs7(in, "fuzz");
      break;
    case 3:
      (void)rotagent::x509::ParseCrls(in, Encoding::kPem, "fuzz");
      break;
    case 4:
      (void)rotagent::x509::ParseCrls(in, Encoding::kDer, "fuzz");
      break;
    default:
      (void)rotagent::x509::ParsePrivateKey(in, Encoding::kPem, "fuzz");
      break;
  }
  return 0;
}
