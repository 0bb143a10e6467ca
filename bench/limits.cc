// The agent under resource attacks: threads and RSS while 1,000 gNMI subscribers try to stream
// (the caps serve some and refuse the rest), and how soon a legitimate call is served after a
// storm of idle TCP connections closes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "bench/bench.h"
#include "tests/support/agent_process.h"
#include "tests/support/certz_client.h"
#include "tests/support/gnmi_client.h"
#include "tests/support/sshd_process.h"

namespace rotagent::bench {
namespace fs = std::filesystem;
using namespace rotagent::testing;  // NOLINT(google-build-using-namespace): test support API
using Clock = std::chrono::steady_clock;

namespace {

// Up to `n` idle TCP connections to the agent.
std::vector<int> Storm(int port, int n) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      if (fd >= 0) close(fd);
      break;
    }
    fds.push_back(fd);
  }
  return fds;
}

}  // namespace

void Limits(Report& r, const std::string& scratch, int subscribers, int storm) {
  const fs::path dir = fs::path(scratch) / "limits";
  fs::create_directories(dir);
  Pki pki = MakePki(1);
  WriteIdentity(dir.string(), pki);
  AgentProcess agent(dir / "agent", AgentConfig(dir.string(), FreePort(), "benchuser", 1));
  agent.SetFdLimit(8192);  // the shipped unit's LimitNOFILE
  agent.Start();
  r.Add("threads idle", static_cast<double>(Threads(agent.pid())), "");
  const double idle_rss = RssMiB(agent.pid());

  auto gnmi = gnmi::gNMI::NewStub(NewChannel(agent.port(), pki.ca.cert_pem, pki.admin));
  const auto req = StreamRequest(
      {GnmiPath("rotagent", "/rotation/credentials/credential[name=profiles/gnsi/chain]/state/")});
  std::vector<std::unique_ptr<GnmiSubscription>> open;
  int served = 0;
  const double cpu0 = CpuSeconds(agent.pid());
  const auto t0 = Clock::now();
  for (int i = 0; i < subscribers; ++i) {
    auto s = std::make_unique<GnmiSubscription>(*gnmi, req);
    if (s->WaitFor([&] { return s->synced(); }, std::chrono::seconds(20))) {
      ++served;
      open.push_back(std::move(s));
    }
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const std::string n = std::to_string(subscribers);
  r.Add(n + " subscribers: streams served", served, "", "<= 8 per client", served <= 8);
  const long threads = Threads(agent.pid());
  r.Add(n + " subscribers: threads", static_cast<double>(threads), "", "<= 96", threads <= 96);
  const double rss = RssMiB(agent.pid());
  r.Add(n + " subscribers: RSS", rss, "MiB");
  r.Add(n + " subscribers: RSS over idle", rss - idle_rss, "MiB");
  r.Add(n + " subscribers: agent CPU", (CpuSeconds(agent.pid()) - cpu0) / secs * 100, "%");
  open.clear();

  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  std::vector<int> fds = Storm(agent.port(), storm);
  r.Add("storm: idle connections opened", static_cast<double>(fds.size()), "");
  for (int fd : fds) close(fd);
  const auto closed = Clock::now();
  auto certz = pb::Certz::NewStub(NewChannel(agent.port(), pki.ca.cert_pem, pki.admin));
  grpc::ClientContext ctx;
  ctx.set_wait_for_ready(true);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  pb::GetProfileListResponse resp;
  const bool ok = certz->GetProfileList(&ctx, pb::GetProfileListRequest(), &resp).ok();
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - closed).count();
  r.Add("storm: first call served after close", ok ? ms : -1, "ms", "< 5000", ok && ms < 5000);
  r.Add("storm: agent fds after",
        static_cast<double>(
            std::distance(fs::directory_iterator("/proc/" + std::to_string(agent.pid()) + "/fd"),
                          fs::directory_iterator())),
        "");
}

}  // namespace rotagent::bench
