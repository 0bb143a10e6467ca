// A fleet on one machine: N agent processes on loopback, each with its own /etc in its own mount
// namespace, rotated by `rotctl fabric rotate-certs` and `rotate-passwords`: wall time, per-device
// p99, and how both grow with N.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bench/bench.h"
#include "tests/support/agent_process.h"
#include "tests/support/run_command.h"
#include "tests/support/sshd_process.h"

namespace rotagent::bench {
namespace fs = std::filesystem;
using namespace rotagent::testing;  // NOLINT(google-build-using-namespace): test support API

namespace {

struct Run {
  double wall_ms = 0, device_p99_ms = 0;
};

Run Rotate(const fs::path& inventory, const std::string& verb) {
  std::string out;
  Run run;
  run.wall_ms = Time(1, [&](int) {
    const int rc = RunCommand({ROTCTL_PATH, "--inventory", inventory.string(), "--output", "json",
                               "--concurrency", "64", "fabric", verb, "--wait"},
                              "", &out);
    if (rc != 0) throw std::runtime_error("rotctl fabric " + verb + ": " + out);
  })[0];
  const auto j = nlohmann::json::parse(out.substr(out.find('{')));
  std::vector<double> per_device;
  for (const auto& d : j["devices"]) per_device.push_back(d["seconds"].get<double>() * 1000);
  run.device_p99_ms = Percentile(per_device, 99);
  return run;
}

}  // namespace

void Fleet(Report& r, const std::string& scratch, const std::vector<int>& sizes) {
  const int largest = *std::max_element(sizes.begin(), sizes.end());
  const fs::path root = fs::path(scratch) / "fleet";
  fs::create_directories(root);
  Pki pki = MakePki(0);
  std::ofstream(root / "rotctl-cert.pem") << pki.admin.cert_pem;
  std::ofstream(root / "rotctl-key.pem") << pki.admin.key_pem;
  std::ofstream(root / "agents-ca.pem") << pki.ca.cert_pem;
  std::vector<std::unique_ptr<AgentProcess>> agents;
  std::vector<int> ports;
  for (int i = 0; i < largest; ++i) {
    const fs::path d = root / ("dev" + std::to_string(i));
    fs::create_directories(d);
    WriteIdentity(d.string(), pki);
    if (RunCommand({"cp", "-a", "/etc/.", (d / "etc").string()}) != 0) {
      throw std::runtime_error("cannot copy /etc");
    }
    ports.push_back(FreePort());
    agents.push_back(std::make_unique<AgentProcess>(
        d / "agent", AgentConfig(d.string(), ports.back(), "benchuser", 1)));
    agents.back()->SetPrivateEtc(d / "etc");
    agents.back()->Start();
  }
  for (int n : sizes) {
    const fs::path inv = root / ("inventory-" + std::to_string(n) + ".yaml");
    std::ofstream out(inv);
    out << "fabric: bench\nclient: {cert: rotctl-cert.pem, key: rotctl-key.pem}\n"
        << "trust_bundle: agents-ca.pem\nstate_dir: state\nca_dir: ca\nmax_password_versions: 16\n"
        << "password_profiles: [{name: Admin, account: benchuser}]\ndevices:\n";
    for (int i = 0; i < n; ++i) {
      out << "  - {name: dev" << i << ", address: 127.0.0.1:" << ports[i] << "}\n";
    }
    out.close();
    if (!fs::exists(root / "ca"))
      RunCommand({ROTCTL_PATH, "--inventory", inv.string(), "ca", "init"});
    const Run certs = Rotate(inv, "rotate-certs");
    const Run passwords = Rotate(inv, "rotate-passwords");
    const std::string at = " (N=" + std::to_string(n) + ")";
    r.Add("fleet rotate-certs wall" + at, certs.wall_ms, "ms");
    r.Add("fleet rotate-certs per-device p99" + at, certs.device_p99_ms, "ms");
    r.Add("fleet rotate-passwords wall" + at, passwords.wall_ms, "ms");
    r.Add("fleet rotate-passwords per-device p99" + at, passwords.device_p99_ms, "ms");
    const double total = (certs.wall_ms + passwords.wall_ms) / 1000;
    if (n == 200) {
      r.Add("fleet certificates + passwords, 200 devices", total, "s", "< 10", total < 10);
    } else {
      r.Add("fleet certificates + passwords" + at, total, "s");
    }
  }
  SignerCost(r, scratch);
}

}  // namespace rotagent::bench
