// rotbench: whole-process benchmarks of rotagentd and rotctl on this machine. Each scenario adds
// figures to the report, each with its target where the product has one.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/pki.h"

namespace rotagent::bench {

struct Figure {
  std::string name, unit;
  double value = 0;
  std::string target;  // e.g. "<= 3x floor"; empty: reported only
  bool met = true;
};

struct Report {
  std::vector<Figure> figures;
  void Add(std::string name, double value, std::string unit, std::string target = "",
           bool met = true) {
    figures.push_back({std::move(name), std::move(unit), value, std::move(target), met});
  }
};

// Throws `what` unless `ok`: a bench step that fails ends the scenario.
void Must(bool ok, const std::string& what);
// Milliseconds each call of `f` took.
std::vector<double> Time(int n, const std::function<void(int)>& f);
double Percentile(std::vector<double> v, double p);  // p in [0, 100]
// rotctl's signers (file, PKCS#11): cost per leaf; part of the fleet figures.
void SignerCost(Report& r, const std::string& scratch);

struct Pki {
  testing::Identity ca, admin, server;
  std::vector<testing::Identity> leaves;  // rotated through, one per version
};
Pki MakePki(int leaves);
std::string Sha512Hash(const std::string& password);
// Resident set size and CPU seconds (user+system) of a process, from /proc.
double RssMiB(int pid);
// RSS once it has held still for 200 ms (at most 3 s): after the agent's post-commit clean-up.
double SettledRssMiB(int pid);
long Threads(int pid);  // from /proc/PID/status
double CpuSeconds(int pid);
// Writes the identity AgentConfig names (id-cert.pem, id-key.pem, id-trust.pem) into `dir`.
void WriteIdentity(const std::string& dir, const Pki& pki);
// An agent config with certz profile gnsi served, credentialz account `account`, state in dir.
// The password proof logs in to sshd on `ssh_port` only if it shows `ssh_host_public_key`.
std::string AgentConfig(const std::string& dir, int port, const std::string& account, int ssh_port,
                        const std::string& ssh_host_public_key = "");

// The floor a rotation is measured against, in milliseconds per run: the bytes of one rotation
// (leaf, key, CA) written to `dir`/floor and fsynced, and one new TLS 1.3 handshake with the
// agent on `port`, up to its certificate: the handshake the agent's proof made before it moved
// to TLS 1.2, so that the floor does not move with the proof.
struct Floor {
  std::vector<double> write, handshake;
  double p50() const { return Percentile(write, 50) + Percentile(handshake, 50); }
};
Floor MeasureFloor(const Pki& pki, const std::string& dir, int port, int runs);

void SingleDevice(Report& r, const std::string& scratch, int runs);
// One certz rotation in parts beside the floor; and trust bundles of `sizes` CAs.
void CertzParts(Report& r, const std::string& scratch, int runs);
void BundleScale(Report& r, const std::string& scratch, const std::vector<size_t>& sizes,
                 int handshakes);
void Fleet(Report& r, const std::string& scratch, const std::vector<int>& sizes);
void HotSwap(Report& r, const std::string& scratch, int rotations);
void Footprint(Report& r, const std::string& scratch, int idle_seconds, int rotations);
// Threads and RSS with `subscribers` gNMI Subscribe attempts; recovery after `storm` idle
// TCP connections close.
void Limits(Report& r, const std::string& scratch, int subscribers, int storm);

}  // namespace rotagent::bench
