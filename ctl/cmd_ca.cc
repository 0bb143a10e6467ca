// rotctl ca init | show
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/x509.h"
#include "ctl/cli.h"
#include "ctl/lab_ca.h"
#include "ctl/signer_pkcs11.h"

namespace rotagent::ctl {

int CaCommand(const Inventory& inv, const Options& o) {
  const std::string& verb = o.args[1];
  const std::string& type = inv.pki.signer.type;
  if (verb == "init") {
    const std::string name = o.name.empty() ? inv.fabric + " lab CA" : o.name;
    Status s = type == "pkcs11"
                   ? Pkcs11Signer::InitCa(inv.pki.signer, CaCertPath(inv), name, o.days)
               : type == "file" ? LabCa::Init(inv.ca_dir, name, o.days)
                                : FailedPrecondition(
                                      "the command signer's CA is external: rotctl cannot "
                                      "create it (signer.roots names its roots)");
    if (!s.ok()) return Fail(s);
  }
  // Opening the signer proves it can sign: the file CA's key matches, the token's key is there.
  auto signer = OpenSigner(inv);
  if (!signer.ok()) return Fail(signer.status());
  auto roots = SignerRoots(inv);
  if (!roots.ok()) return Fail(roots.status());
  auto certs = x509::ParseCertificates(*roots, x509::Encoding::kPem, "signer roots");
  if (!certs.ok() || certs->empty()) return Fail(FailedPrecondition("the signer has no roots"));
  X509* ca = certs->front().get();
  const nlohmann::json j = {
      {"signer", (*signer)->Describe()},
      {"directory", inv.ca_dir.string()},
      {"certificate", type == "command" ? inv.pki.signer.roots.string() : CaCertPath(inv).string()},
      {"subject", x509::SubjectText(ca)},
      {"sha256Fingerprint", x509::Fingerprint(ca)},
      {"notAfter", x509::FormatTime(x509::NotAfter(ca))}};
  if (o.json()) {
    std::cout << j.dump(2) << "\n";
  } else {
    if (verb == "init") std::cout << "created a CA (" << j["signer"].get<std::string>() << ")\n";
    PrintTable({{"signer", j["signer"]},
                {"subject", j["subject"]},
                {"fingerprint", j["sha256Fingerprint"]},
                {"expires", j["notAfter"]},
                {"certificate", j["certificate"]}});
  }
  return kExitOk;
}

}  // namespace rotagent::ctl
