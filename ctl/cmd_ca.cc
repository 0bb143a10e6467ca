// rotctl ca init | show
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/x509.h"
#include "ctl/cli.h"
#include "ctl/lab_ca.h"

namespace rotagent::ctl {

int CaCommand(const Inventory& inv, const Options& o) {
  const std::string& verb = o.args[1];
  if (verb == "init") {
    const std::string name = o.name.empty() ? inv.fabric + " lab CA" : o.name;
    if (Status s = LabCa::Init(inv.ca_dir, name, o.days); !s.ok()) return Fail(s);
  }
  auto ca = LabCa::Load(inv.ca_dir);
  if (!ca.ok()) return Fail(ca.status());
  const nlohmann::json j = {{"directory", inv.ca_dir.string()},
                            {"certificate", LabCa::CertPath(inv.ca_dir).string()},
                            {"subject", x509::SubjectText(ca->cert())},
                            {"sha256Fingerprint", x509::Fingerprint(ca->cert())},
                            {"notAfter", x509::FormatTime(x509::NotAfter(ca->cert()))}};
  if (o.json()) {
    std::cout << j.dump(2) << "\n";
  } else {
    if (verb == "init") std::cout << "created a lab CA in " << inv.ca_dir.string() << "\n";
    PrintTable({{"subject", j["subject"]},
                {"fingerprint", j["sha256Fingerprint"]},
                {"expires", j["notAfter"]},
                {"certificate", j["certificate"]}});
  }
  return kExitOk;
}

}  // namespace rotagent::ctl
