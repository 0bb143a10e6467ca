// The lab CA: signs the CSRs devices generate over certz, so device keys never leave the devices.
// Its key lives in ca_dir, 0600, and is only ever read by rotctl.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/ossl.h"
#include "common/status.h"
#include "ctl/signer.h"

namespace rotagent::ctl {

class LabCa {
 public:
  // Creates the CA key and self-signed certificate; ALREADY_EXISTS if ca_dir holds a CA.
  static Status Init(const std::filesystem::path& dir, const std::string& common_name, int days);
  static Result<LabCa> Load(const std::filesystem::path& dir);
  static std::filesystem::path CertPath(const std::filesystem::path& dir);

  // Signs the public key of a PEM CSR once its self-signature verifies. The names come from
  // `spec`, not from the request: the CA vouches only for what rotctl asked the device for.
  Result<std::string> Sign(const std::string& csr_pem, const LeafSpec& spec) const;

  const std::string& cert_pem() const { return cert_pem_; }
  X509* cert() const { return cert_.get(); }
  const std::filesystem::path& dir() const { return dir_; }
  EVP_PKEY* public_key() const { return X509_get0_pubkey(cert_.get()); }

 private:
  std::filesystem::path dir_;
  ossl::X509Ptr cert_;
  ossl::Pkey key_;
  std::string cert_pem_;
};

// The `file` signer: the lab CA above.
class FileSigner : public Signer {
 public:
  explicit FileSigner(LabCa ca) : ca_(std::move(ca)) {}
  std::string Describe() const override { return "file " + ca_.dir().string(); }
  Result<std::string> Sign(const std::string& csr_pem, const LeafSpec& spec) const override {
    return ca_.Sign(csr_pem, spec);
  }

 private:
  LabCa ca_;
};

}  // namespace rotagent::ctl
