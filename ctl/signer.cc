#include "ctl/signer.h"

#include <openssl/pem.h>

#include "common/atomic_file.h"
#include "common/x509_issuer.h"
#include "ctl/lab_ca.h"
#include "ctl/signer_command.h"
#include "ctl/signer_pkcs11.h"

namespace rotagent::ctl {

Result<ossl::X509Ptr> IssueFromCsr(const std::string& csr_pem, const LeafSpec& spec, X509* ca_cert,
                                   EVP_PKEY* signing_key) {
  ossl::Bio bio = ossl::MemBio(csr_pem);
  ossl::X509Req req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) return InvalidArgument("the device's CSR is not a PEM PKCS#10 request");
  EVP_PKEY* pub = X509_REQ_get0_pubkey(req.get());
  if (pub == nullptr || X509_REQ_verify(req.get(), pub) != 1) {
    return InvalidArgument("the device's CSR signature does not verify");
  }
  return x509::IssueFor(pub,
                        {.common_name = spec.common_name,
                         .dns_names = spec.dns_names,
                         .server_auth = spec.server,
                         .client_auth = !spec.server,
                         .lifetime = int64_t{spec.days} * 86400},
                        ca_cert, signing_key);
}

std::filesystem::path CaCertPath(const Inventory& inv) { return LabCa::CertPath(inv.ca_dir); }

std::filesystem::path KeyLabelPath(const std::filesystem::path& dir) { return dir / "key-label"; }

Result<std::unique_ptr<Signer>> OpenSigner(const Inventory& inv) {
  if (inv.pki.signer.type == "command") {
    return std::unique_ptr<Signer>(new CommandSigner(inv.pki.signer));
  }
  return OpenSignerAt(inv, inv.ca_dir);
}

Result<std::unique_ptr<Signer>> OpenSignerAt(const Inventory& inv,
                                             const std::filesystem::path& dir) {
  SignerConfig c = inv.pki.signer;
  if (c.type == "command") return FailedPrecondition("the command signer keeps no CA in ca_dir");
  if (c.type == "pkcs11") {
    if (auto label = ReadFile(KeyLabelPath(dir)); label.ok()) {
      c.key_label = label->substr(0, label->find('\n'));
    }
    auto s = Pkcs11Signer::Open(c, LabCa::CertPath(dir));
    if (!s.ok()) return s.status();
    return std::unique_ptr<Signer>(std::move(*s));
  }
  auto ca = LabCa::Load(dir);
  if (!ca.ok()) return ca.status();
  return std::unique_ptr<Signer>(new FileSigner(std::move(*ca)));
}

Result<std::string> SignerRoots(const Inventory& inv) {
  if (inv.pki.signer.type == "command") {
    auto roots = ReadFile(inv.pki.signer.roots);
    if (!roots.ok()) return roots.status().WithContext("signer.roots");
    return roots;
  }
  auto cert = ReadFile(CaCertPath(inv));
  if (!cert.ok()) {
    return FailedPrecondition("no CA certificate in " + inv.ca_dir.string() +
                              "; create one with `rotctl ca init`");
  }
  return cert;
}

}  // namespace rotagent::ctl
