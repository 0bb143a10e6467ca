// The signer's cost per leaf, as a certificate rotation pays it: rotctl's Issuer signs a device
// CSR, checks the answer against the roots and archives it. The file lab CA and a SoftHSM2 token
// (created here with softhsm2-util; skipped when SoftHSM2 is not installed).
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "agent/certz/csr.h"
#include "bench/bench.h"
#include "ctl/issuer.h"
#include "ctl/lab_ca.h"
#include "ctl/signer_pkcs11.h"
#include "tests/support/run_command.h"

namespace rotagent::bench {
namespace fs = std::filesystem;
namespace {

constexpr int kLeaves = 200;
constexpr const char* kSoftHsm = "/usr/lib/softhsm/libsofthsm2.so";

std::vector<std::string> Csrs() {
  const certz::CsrSuite suite{certz::KeyAlgorithm::kEcdsa, 0, "prime256v1", "SHA256"};
  std::vector<std::string> out;
  for (int i = 0; i < kLeaves; ++i) {
    auto key = certz::GenerateKey(suite);
    certz::CsrSubject subject;
    subject.common_name = "dev" + std::to_string(i);
    out.push_back(*certz::MakeCsr(key->get(), suite, subject));
  }
  return out;
}

double PerLeafMs(const ctl::Inventory& inv, const std::vector<std::string>& csrs) {
  auto issuer = ctl::Issuer::Open(inv, "bench");
  if (!issuer.ok()) throw std::runtime_error(issuer.status().message());
  const auto ms = Time(static_cast<int>(csrs.size()), [&](int i) {
    const std::string name = "dev" + std::to_string(i);
    auto chain =
        (*issuer)->Issue(csrs[i], {.common_name = name, .dns_names = {name}}, name, "gnsi", "v1");
    if (!chain.ok()) throw std::runtime_error(chain.status().message());
  });
  double total = 0;
  for (double m : ms) total += m;
  return total / static_cast<double>(ms.size());
}

}  // namespace

void SignerCost(Report& r, const std::string& scratch) {
  const fs::path root = fs::path(scratch) / "signers";
  fs::remove_all(root);
  fs::create_directories(root);
  const auto csrs = Csrs();
  ctl::Inventory inv;
  inv.state_dir = root / "state";
  inv.ca_dir = root / "ca";
  if (Status s = ctl::LabCa::Init(inv.ca_dir, "bench CA", 30); !s.ok()) {
    throw std::runtime_error(s.message());
  }
  r.Add("signer file: sign + check + archive, per leaf", PerLeafMs(inv, csrs), "ms");
  if (!fs::exists(kSoftHsm)) return;
  fs::create_directories(root / "tokens");
  std::ofstream(root / "softhsm2.conf") << "directories.tokendir = " << (root / "tokens").string()
                                        << "\nobjectstore.backend = file\n";
  setenv("SOFTHSM2_CONF", (root / "softhsm2.conf").c_str(), 1);
  setenv("ROTBENCH_PIN", "4321", 1);
  // A throw-away token's test PINs: softhsm2-util only takes them on its command line.
  if (testing::RunCommand({"softhsm2-util", "--init-token", "--free", "--label", "bench",
                           "--so-pin", "5678", "--pin", "4321"}) != 0) {
    throw std::runtime_error("softhsm2-util --init-token failed");
  }
  inv.ca_dir = root / "hsm-ca";
  inv.pki.signer = {.type = "pkcs11",
                    .module = kSoftHsm,
                    .token_label = "bench",
                    .key_label = "bench-ca",
                    .pin_env = "ROTBENCH_PIN"};
  if (Status s =
          ctl::Pkcs11Signer::InitCa(inv.pki.signer, ctl::CaCertPath(inv), "bench HSM CA", 30);
      !s.ok()) {
    throw std::runtime_error(s.message());
  }
  r.Add("signer pkcs11 (SoftHSM2): sign + check + archive, per leaf", PerLeafMs(inv, csrs), "ms");
  unsetenv("SOFTHSM2_CONF");
  unsetenv("ROTBENCH_PIN");
}

}  // namespace rotagent::bench
