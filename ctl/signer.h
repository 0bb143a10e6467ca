// Whatever signs the CSRs devices generate over certz: the file-based lab CA, a CA key held in a
// PKCS#11 token, or an external CA run as a command. The device's key never leaves the device;
// rotctl checks every chain a signer returns (ctl/issued_check.h) before it is uploaded.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/ossl.h"
#include "common/status.h"
#include "ctl/inventory.h"

namespace rotagent::ctl {

// What rotctl asks the device for, and what the signed leaf must carry: these names, not the
// request's.
struct LeafSpec {
  std::string common_name;
  std::vector<std::string> dns_names;
  bool server = true;  // serverAuth, else clientAuth
  int days = 365;
};

// The leaf for a PEM CSR once its self-signature verifies: its public key, `spec`'s names and
// usage (never the request's), issued by `ca_cert` and signed with `signing_key`.
Result<ossl::X509Ptr> IssueFromCsr(const std::string& csr_pem, const LeafSpec& spec, X509* ca_cert,
                                   EVP_PKEY* signing_key);

class Signer {
 public:
  virtual ~Signer() = default;
  // "file /var/lib/rotctl/ca", "pkcs11 token rotctl key rotctl-ca", "command /usr/bin/step-sign".
  virtual std::string Describe() const = 0;
  // The chain, leaf first then any intermediates, as PEM. `csr_pem`'s self-signature was
  // verified by the caller. Called from several threads at once.
  virtual Result<std::string> Sign(const std::string& csr_pem, const LeafSpec& spec) const = 0;
};

// The inventory's signer, ready to sign (the pkcs11 one is logged in).
Result<std::unique_ptr<Signer>> OpenSigner(const Inventory& inv);
// The roots the signer's chains must verify to, as PEM: the CA certificate in ca_dir for the
// file and pkcs11 signers, signer.roots for a command. Devices are given them as trust anchors
// and rotctl verifies the devices' certificates with them.
Result<std::string> SignerRoots(const Inventory& inv);
// Where the file and pkcs11 signers keep the CA certificate (and the file signer its key).
std::filesystem::path CaCertPath(const Inventory& inv);
// The file or pkcs11 signer of the CA kept in `dir` (ca_dir, or a CA rotation's ca_dir/next).
// A pkcs11 CA made by a rotation names its token key in `dir`/key-label; otherwise the
// inventory's signer.key_label is used.
Result<std::unique_ptr<Signer>> OpenSignerAt(const Inventory& inv,
                                             const std::filesystem::path& dir);
std::filesystem::path KeyLabelPath(const std::filesystem::path& dir);

}  // namespace rotagent::ctl
