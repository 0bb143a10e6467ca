// The `pkcs11` signer: the CA key lives in a PKCS#11 token and never leaves it. rotctl builds
// each certificate, has the token sign its to-be-signed part, and checks the signature with the
// CA certificate (kept in ca_dir) before returning it.
#pragma once

#include <filesystem>

#include "ctl/pkcs11_token.h"
#include "ctl/pki_config.h"
#include "ctl/signer.h"

namespace rotagent::ctl {

class Pkcs11Signer : public Signer {
 public:
  static Result<std::unique_ptr<Pkcs11Signer>> Open(const SignerConfig& config,
                                                    const std::filesystem::path& ca_cert);
  // `rotctl ca init` for a token: generates the key in the token (ALREADY_EXISTS if there is
  // one) and writes the self-signed CA certificate, signed by the token, to `ca_cert`.
  static Status InitCa(const SignerConfig& config, const std::filesystem::path& ca_cert,
                       const std::string& common_name, int days);

  std::string Describe() const override;
  Result<std::string> Sign(const std::string& csr_pem, const LeafSpec& spec) const override;

 private:
  SignerConfig config_;
  std::unique_ptr<Pkcs11Token> token_;
  unsigned long key_ = 0;  // NOLINT(google-runtime-int): a CK_OBJECT_HANDLE
  ossl::X509Ptr ca_cert_;
  ossl::Pkey placeholder_;  // signs first, so OpenSSL lays out the certificate; then replaced
};

}  // namespace rotagent::ctl
