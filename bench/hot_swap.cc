// Hot swap under load: clients keep opening new TLS connections and one Subscribe stream stays
// open while 100 rotations run. Every failed handshake and any interrupted stream is counted.
#include <atomic>
#include <filesystem>
#include <thread>

#include "bench/bench.h"
#include "tests/support/agent_process.h"
#include "tests/support/certz_client.h"
#include "tests/support/gnmi_client.h"
#include "tests/support/sshd_process.h"

namespace rotagent::bench {
namespace fs = std::filesystem;
using namespace rotagent::testing;  // NOLINT(google-build-using-namespace): test support API

void HotSwap(Report& r, const std::string& scratch, int rotations) {
  const fs::path dir = fs::path(scratch) / "hotswap";
  fs::create_directories(dir);
  Pki pki = MakePki(2);
  WriteIdentity(dir.string(), pki);
  AgentProcess agent(dir / "agent", AgentConfig(dir.string(), FreePort(), "benchuser", 1));
  agent.Start();
  auto gnmi_stub = gnmi::gNMI::NewStub(NewChannel(agent.port(), pki.ca.cert_pem, pki.admin));
  gnmi::Path root;
  root.set_origin("rotagent");
  root.add_elem()->set_name("rotation");
  GnmiSubscription sub(*gnmi_stub, StreamRequest({root}));
  std::atomic<bool> stop{false};
  std::atomic<int> handshakes{0}, failures{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      while (!stop) {
        ++handshakes;
        if (!CanConnect(agent.port(), pki.ca.cert_pem, pki.admin)) ++failures;
      }
    });
  }
  auto certz = pb::Certz::NewStub(NewChannel(agent.port(), pki.ca.cert_pem, pki.admin));
  for (int i = 0; i < rotations; ++i) {
    RotateStream s(*certz);
    const Identity& leaf = pki.leaves[i % 2];
    const std::string v = "h" + std::to_string(i);
    if (!s.Exchange(Upload("gnsi", {ChainEntity(v, 1700000000, {leaf.cert_pem}, leaf.key_pem),
                                    TrustEntity(v, 1700000000, {pki.ca.cert_pem})})) ||
        !s.Send(Finalize("gnsi")) || !s.Finish().ok()) {
      throw std::runtime_error("rotation failed");
    }
  }
  stop = true;
  for (auto& c : clients) c.join();
  // The stream stayed open through every rotation if it delivered the last version.
  const std::string leaf =
      "rotagent:/rotation/credentials/credential[name=profiles/gnsi/chain]/state/version";
  const bool alive = sub.WaitFor(
      [&] {
        const auto h = sub.History(leaf);
        return !h.empty() && h.back() == "h" + std::to_string(rotations - 1);
      },
      std::chrono::seconds(10));
  r.Add("hot swap: new TLS connections during " + std::to_string(rotations) + " rotations",
        handshakes, "");
  r.Add("hot swap: failed handshakes", failures, "", "0", failures == 0);
  r.Add("hot swap: interrupted Subscribe streams", alive ? 0 : 1, "", "0", alive);
}

}  // namespace rotagent::bench
