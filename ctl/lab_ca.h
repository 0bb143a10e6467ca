// The lab CA: signs the CSRs devices generate over certz, so device keys never leave the devices.
// Its key lives in ca_dir, 0600, and is only ever read by rotctl.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/ossl.h"
#include "common/status.h"

namespace rotagent::ctl {

struct LeafSpec {
  std::string common_name;
  std::vector<std::string> dns_names;
  bool server = true;  // serverAuth, else clientAuth
  int days = 365;
};

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

 private:
  std::filesystem::path dir_;
  ossl::X509Ptr cert_;
  ossl::Pkey key_;
  std::string cert_pem_;
};

}  // namespace rotagent::ctl
