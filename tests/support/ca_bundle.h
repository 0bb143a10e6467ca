// Trust bundles of many CAs for scale tests and rotbench, made fast: every CA shares one P-256
// key, so N CAs cost N signatures and no key generation. Bundles are cached per process.
#pragma once

#include <string>
#include <vector>

#include "gnsi/certz/v1/certz.pb.h"
#include "tests/support/pki.h"

namespace rotagent::testing {

struct CaBundle {
  std::vector<std::string> certs_pem;  // one PEM per CA, "bundle CA <i>"
  std::string multi_pem;               // every certificate in one PEM text
  std::string pkcs7_pem;               // every certificate as one PEM PKCS#7 block
  ossl::Pkey key;                      // the key every CA of the bundle shares
  // CA `i` as an issuer for MakeLeaf (shares the bundle's key).
  Identity Ca(size_t i) const;
};

// The bundle of `n` CAs (made once per process for each n, the same certificates every call).
const CaBundle& CaBundleOf(size_t n);

enum class BundleEncoding { kPkcs7, kMultiPem, kParentChain };
const char* BundleEncodingName(BundleEncoding e);
// A trust-bundle entity holding `bundle` plus `extra_pem` (one PEM certificate each) in encoding
// `e`. A parent chain nests one CertificateChain per certificate.
gnsi::certz::v1::Entity BundleEntity(const std::string& version, uint64_t created_on,
                                     const CaBundle& bundle,
                                     const std::vector<std::string>& extra_pem, BundleEncoding e);

}  // namespace rotagent::testing
