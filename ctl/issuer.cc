#include "ctl/issuer.h"

#include <openssl/pem.h>

#include "common/x509.h"

namespace rotagent::ctl {

Result<std::shared_ptr<Issuer>> Issuer::Open(const Inventory& inv, const std::string& operation) {
  auto signer = OpenSigner(inv);
  if (!signer.ok()) return signer.status();
  auto roots = SignerRoots(inv);
  if (!roots.ok()) return roots.status();
  return std::shared_ptr<Issuer>(new Issuer(std::move(*signer), std::move(*roots),
                                            Archive(inv.state_dir, inv.pki.archive.keep_versions),
                                            operation));
}

std::shared_ptr<Issuer> Issuer::Make(const Inventory& inv, const std::string& operation,
                                     std::unique_ptr<Signer> signer, std::string roots) {
  return std::shared_ptr<Issuer>(new Issuer(std::move(signer), std::move(roots),
                                            Archive(inv.state_dir, inv.pki.archive.keep_versions),
                                            operation));
}

Result<CheckedChain> Issuer::Issue(const std::string& csr_pem, const LeafSpec& spec,
                                   const std::string& device, const std::string& profile,
                                   const std::string& version) const {
  ossl::Bio bio = ossl::MemBio(csr_pem);
  ossl::X509Req req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) return InvalidArgument("the device's CSR is not a PEM PKCS#10 request");
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
  if (key == nullptr || X509_REQ_verify(req.get(), key) != 1) {
    return InvalidArgument("the device's CSR signature does not verify");
  }
  auto chain = signer_->Sign(csr_pem, spec);
  if (!chain.ok()) return chain.status();
  auto checked = CheckIssued(*chain, key, spec, roots_);
  if (!checked.ok()) return checked.status().WithContext("signer " + signer_->Describe());
  std::string archived = checked->leaf_pem;
  for (const auto& i : checked->intermediates) archived += i;
  ROTAGENT_RETURN_IF_ERROR(archive_.Record({.device = device,
                                            .profile = profile,
                                            .version = version,
                                            .operation = operation_,
                                            .signer = signer_->Describe(),
                                            .chain_pem = archived}));
  return checked;
}

Status Issuer::NotInstalled(const CheckedChain& issued, const std::string& device,
                            const std::string& profile, const std::string& version,
                            const std::string& why) const {
  return archive_.MarkNotInstalled(device, profile, version, x509::Fingerprint(issued.leaf.get()),
                                   why);
}

}  // namespace rotagent::ctl
