// The agent's cost at rest and over time: start to READY, idle RSS, RSS after 1,000 rotations
// (growth measured from a warm agent after 100), and CPU while idle.
#include <filesystem>
#include <thread>

#include "bench/bench.h"
#include "tests/support/agent_process.h"
#include "tests/support/certz_client.h"
#include "tests/support/sshd_process.h"

namespace rotagent::bench {
namespace fs = std::filesystem;
using namespace rotagent::testing;  // NOLINT(google-build-using-namespace): test support API

void Footprint(Report& r, const std::string& scratch, int idle_seconds, int rotations) {
  const fs::path dir = fs::path(scratch) / "footprint";
  fs::create_directories(dir);
  Pki pki = MakePki(2);
  WriteIdentity(dir.string(), pki);
  const std::string config = AgentConfig(dir.string(), FreePort(), "benchuser", 1);
  std::vector<double> ready;
  std::unique_ptr<AgentProcess> agent;
  for (int i = 0; i < 5; ++i) {
    if (agent) agent->Stop();
    agent = std::make_unique<AgentProcess>(dir / "agent", config);
    ready.push_back(Time(1, [&](int) { agent->Start(); })[0]);
  }
  r.Add("start to READY p50", Percentile(ready, 50), "ms");
  const double idle_rss = RssMiB(agent->pid());
  r.Add("idle RSS", idle_rss, "MiB", "< 25", idle_rss < 25);

  auto certz = pb::Certz::NewStub(NewChannel(agent->port(), pki.ca.cert_pem, pki.admin));
  int version = 0;
  auto rotate = [&](int n) {
    for (int i = 0; i < n; ++i) {
      RotateStream s(*certz);
      const Identity& leaf = pki.leaves[i % 2];
      const std::string v = "f" + std::to_string(++version);
      if (!s.Exchange(Upload("gnsi", {ChainEntity(v, 1700000000, {leaf.cert_pem}, leaf.key_pem),
                                      TrustEntity(v, 1700000000, {pki.ca.cert_pem})})) ||
          !s.Send(Finalize("gnsi")) || !s.Finish().ok()) {
        throw std::runtime_error("rotation failed");
      }
    }
  };
  rotate(rotations / 10);
  const double warm = RssMiB(agent->pid());
  rotate(rotations - rotations / 10);
  const double after = RssMiB(agent->pid());
  const std::string n = std::to_string(rotations);
  r.Add("RSS after " + n + " rotations", after, "MiB");
  r.Add("RSS growth from rotation " + std::to_string(rotations / 10) + " to " + n, after - warm,
        "MiB", "< 2 (no growth)", after - warm < 2);

  const double cpu0 = CpuSeconds(agent->pid());
  std::this_thread::sleep_for(std::chrono::seconds(idle_seconds));  // measuring idleness itself
  const double cpu = (CpuSeconds(agent->pid()) - cpu0) / idle_seconds * 100.0;
  r.Add("CPU while idle for " + std::to_string(idle_seconds) + " s", cpu, "%");
}

}  // namespace rotagent::bench
