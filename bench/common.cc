#include <crypt.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "agent/tls/probe.h"
#include "bench/bench.h"

namespace rotagent::bench {

void Must(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

Floor MeasureFloor(const Pki& pki, const std::string& dir, int port, int runs) {
  const std::string bytes = pki.leaves[0].cert_pem + pki.leaves[0].key_pem + pki.ca.cert_pem;
  const std::string path = dir + "/floor";
  Floor f;
  f.write = Time(runs, [&](int) {
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    Must(fd >= 0 && ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()),
         "write");
    fsync(fd);
    close(fd);
  });
  f.handshake = Time(runs, [&](int) {
    Must(tls::ServedFingerprint("127.0.0.1", port, std::chrono::seconds(3),
                                tls::ProbeVersion::kTls13)
             .ok(),
         "handshake");
  });
  return f;
}

std::vector<double> Time(int n, const std::function<void(int)>& f) {
  std::vector<double> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f(i);
    out.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  return out;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i =
      std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
  return v[i];
}

std::string Sha512Hash(const std::string& password) {
  crypt_data data{};
  return crypt_r(password.c_str(), "$6$rotbench$", &data);
}

namespace {
// A numeric field of /proc/PID/status ("VmRSS" in kB, "Threads"); 0 if absent.
double ProcStatus(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  const std::string key = field + ":";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(key.size()));
  }
  return 0;
}
}  // namespace

double RssMiB(int pid) { return ProcStatus(pid, "VmRSS") / 1024.0; }

double SettledRssMiB(int pid) {
  // A committed rotation returns its freed heap after answering; read once RSS holds still.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  double last = RssMiB(pid);
  for (int same = 0; same < 4 && std::chrono::steady_clock::now() < give_up;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const double now = RssMiB(pid);
    same = now == last ? same + 1 : 0;
    last = now;
  }
  return last;
}

long Threads(int pid) { return static_cast<long>(ProcStatus(pid, "Threads")); }

double CpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

Pki MakePki(int leaves) {
  Pki p;
  p.ca = testing::MakeCa("bench CA");
  p.admin = testing::MakeLeaf(p.ca, "admin");
  p.server = testing::MakeServer(p.ca, "bootstrap");
  for (int i = 0; i < leaves; ++i) p.leaves.push_back(testing::MakeServer(p.ca, "leaf"));
  return p;
}

void WriteIdentity(const std::string& dir, const Pki& pki) {
  std::ofstream(dir + "/id-cert.pem") << pki.server.cert_pem;
  std::ofstream(dir + "/id-key.pem") << pki.server.key_pem;
  std::ofstream(dir + "/id-trust.pem") << pki.ca.cert_pem;
}

std::string AgentConfig(const std::string& dir, int port, const std::string& account, int ssh_port,
                        const std::string& ssh_host_public_key) {
  return "listen: 127.0.0.1:" + std::to_string(port) + "\nstate_dir: " + dir +
         "/state\nlog_level: warn\n"
         "identity: {cert: " +
         dir + "/id-cert.pem, key: " + dir + "/id-key.pem, trust_bundle: " + dir +
         "/id-trust.pem}\n"
         "grpc_server: {ssl_profile: gnsi}\n"
         "certz:\n  profiles: [{id: gnsi, role: server}]\n"
         "credentialz:\n  accounts: [{name: " +
         account +
         ", role: Admin}]\n"
         "authorization:\n"
         "  gnsi.certz.v1.Certz: [\"CN=admin\"]\n"
         "  gnsi.credentialz.v1.Credentialz: [\"CN=admin\"]\n"
         "  gnmi.gNMI: [\"CN=admin\"]\n"
         "platform:\n  ssh: {address: 127.0.0.1:" +
         std::to_string(ssh_port) +
         (ssh_host_public_key.empty() ? "" : ", host_public_keys: [" + ssh_host_public_key + "]") +
         "}\n";
}

}  // namespace rotagent::bench
