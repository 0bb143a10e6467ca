#include "ctl/signer.h"

#include "common/atomic_file.h"
#include "ctl/lab_ca.h"
#include "ctl/signer_command.h"
#include "ctl/signer_pkcs11.h"

namespace rotagent::ctl {

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
