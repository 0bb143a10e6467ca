// Pure parsing and encoding of X.509 material (certificates, keys, CRLs, PKCS#7 bundles).
// Every error names what was being parsed, so callers can return it as is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/ossl.h"
#include "common/status.h"

namespace rotagent::x509 {

enum class Encoding { kPem, kDer };

// Whether a parse decodes each certificate's public key. OpenSSL 3.0 spends about 240 us per
// certificate preparing a key decoder, 5 s for a trust bundle of 20,000 CAs, of which a
// verification needs only the few it looks up. kDeferred leaves keys undecoded (everything else
// is parsed and checked as usual); WithPublicKey completes a certificate when its key is needed.
enum class PublicKeys { kDecode, kDeferred };

// All certificates in `data`: any number of PEM blocks, or exactly one DER certificate.
Result<std::vector<ossl::X509Ptr>> ParseCertificates(std::string_view data, Encoding enc,
                                                     const std::string& what,
                                                     PublicKeys keys = PublicKeys::kDecode);
// `cert` with its public key decoded: the same certificate (another reference) if it already has
// it, else parsed again from its DER. Null if the key cannot be decoded.
ossl::X509Ptr WithPublicKey(X509* cert);
Result<ossl::Pkey> ParsePrivateKey(std::string_view data, Encoding enc, const std::string& what);
// As ParsePrivateKey, and `pem` receives the key as KeyToPem would write it: an unencrypted
// PKCS#8 key is armoured again from the very DER that was decoded, sparing OpenSSL 3.0's encoder
// walk (about 150 us); any other form is encoded. `pem` is a secret, wiped like KeyToPem's.
Result<ossl::Pkey> ParsePrivateKey(std::string_view data, Encoding enc, const std::string& what,
                                   std::string& pem);
// A PKCS#7 bundle, PEM armoured or bare base64 DER.
Result<std::vector<ossl::X509Ptr>> ParsePkcs7(std::string_view block, const std::string& what,
                                              PublicKeys keys = PublicKeys::kDecode);
Result<std::vector<ossl::X509Crl>> ParseCrls(std::string_view data, Encoding enc,
                                             const std::string& what);

// Each certificate of a PEM bundle as its own PEM block, in order.
Result<std::vector<std::string>> SplitPemCertificates(std::string_view pem,
                                                      const std::string& what);
std::string CertToPem(X509* cert);
std::string CertsToPem(const std::vector<ossl::X509Ptr>& certs);
std::string CrlsToPem(const std::vector<ossl::X509Crl>& crls);
// PKCS#8 PEM. The returned string is a secret: wipe it with OPENSSL_cleanse when done.
std::string KeyToPem(EVP_PKEY* key);

// SHA-256 of the DER encoding, as lowercase hex with colons.
std::string Fingerprint(X509* cert);
// The same fingerprint, of a certificate's DER encoding as sent (not parsed).
std::string DerFingerprint(std::string_view der);
std::string SubjectText(X509* cert);
std::string IssuerText(X509* cert);
int64_t NotBefore(X509* cert);  // seconds since the epoch
int64_t NotAfter(X509* cert);
std::string FormatTime(int64_t epoch_seconds);  // RFC 3339, UTC
std::string CrlIssuerText(X509_CRL* crl);
int64_t CrlNextUpdate(X509_CRL* crl);  // seconds since the epoch; 0 without a nextUpdate

}  // namespace rotagent::x509
