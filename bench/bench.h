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
long Threads(int pid);  // from /proc/PID/status
double CpuSeconds(int pid);
// Writes the identity AgentConfig names (id-cert.pem, id-key.pem, id-trust.pem) into `dir`.
void WriteIdentity(const std::string& dir, const Pki& pki);
// An agent config with certz profile gnsi served, credentialz account `account`, state in dir.
std::string AgentConfig(const std::string& dir, int port, const std::string& account, int ssh_port);

void SingleDevice(Report& r, const std::string& scratch, int runs);
void Fleet(Report& r, const std::string& scratch, const std::vector<int>& sizes);
void HotSwap(Report& r, const std::string& scratch, int rotations);
void Footprint(Report& r, const std::string& scratch, int idle_seconds, int rotations);
// Threads and RSS with `subscribers` gNMI Subscribe attempts; recovery after `storm` idle
// TCP connections close.
void Limits(Report& r, const std::string& scratch, int subscribers, int storm);

}  // namespace rotagent::bench
