// Network clients without a certificate try to wedge the listener: an fd storm of idle TCP
// connections, and TLS handshakes that stall half-way. The agent must shed what it cannot hold,
// cut stalled handshakes, and serve a legitimate mTLS call right after.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/integration/certz_fixture.h"
#include "tests/support/gnmi_client.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kStorm = 2000;

// LimitNOFILE of the shipped unit.
unsigned long UnitFdLimit() {
  std::ifstream unit(std::string(ROTAGENT_SOURCE_DIR) + "/systemd/rotagentd.service");
  std::string line;
  std::smatch m;
  while (std::getline(unit, line)) {
    if (std::regex_match(line, m, std::regex(R"(LimitNOFILE=(\d+))"))) return std::stoul(m[1]);
  }
  return 0;
}

int OpenFds(pid_t pid) {
  int n = 0;
  for ([[maybe_unused]] const auto& e :
       fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    ++n;
  return n;
}

// Plain TCP connections to the listener that send nothing (or `hello`) and wait.
class Idlers {
 public:
  Idlers(int port, int n, const std::string& hello = "") {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < n; ++i) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) throw std::runtime_error("socket: " + std::string(strerror(errno)));
      if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        throw std::runtime_error("connect #" + std::to_string(i) + ": " + strerror(errno));
      }
      if (!hello.empty() && write(fd, hello.data(), hello.size()) < 0) {
        close(fd);
        throw std::runtime_error("write: " + std::string(strerror(errno)));
      }
      fds_.push_back(fd);
    }
  }
  ~Idlers() { CloseAll(); }
  void CloseAll() {
    for (int fd : fds_) close(fd);
    fds_.clear();
  }
  // How many connections the agent has closed so far (EOF or reset seen), waiting until `want`
  // of them are or `deadline` passes.
  int WaitClosedByPeer(int want, Clock::time_point deadline) {
    done_.resize(fds_.size(), false);
    std::vector<pollfd> p;
    for (size_t i = 0; i < fds_.size(); ++i) p.push_back({done_[i] ? -1 : fds_[i], POLLIN, 0});
    int closed = static_cast<int>(std::count(done_.begin(), done_.end(), true));
    while (closed < want && Clock::now() < deadline) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (poll(p.data(), p.size(), static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) {
        break;
      }
      for (size_t i = 0; i < p.size(); ++i) {
        if (p[i].fd < 0 || p[i].revents == 0) continue;
        char c;
        if (read(p[i].fd, &c, 1) <= 0) {  // EOF or ECONNRESET: the agent let it go
          done_[i] = true;
          p[i].fd = -1;
          ++closed;
        }
      }
    }
    return closed;
  }

 private:
  std::vector<int> fds_;
  std::vector<bool> done_;
};

class ConnectionLimitsTest : public CertzTest {
 protected:
  void SetUp() override {
    CertzTest::SetUp();
    // The storm needs more fds than a shell's default soft limit.
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);
    ASSERT_GT(rl.rlim_cur, static_cast<rlim_t>(kStorm + 200));
  }
  void StartWithFdLimit(unsigned long limit) {
    fs::create_directories(dir_ / "installed");
    agent_ = std::make_unique<AgentProcess>(dir_, Config());
    agent_->SetFdLimit(limit);
    agent_->Start();
  }
  // A legitimate mTLS call on a new channel, allowed to wait for the listener until `deadline`.
  grpc::Status LegitimateCall(Clock::time_point deadline) {
    auto stub = gnmi::gNMI::NewStub(NewChannel(agent_->port(), trust_pem_, admin_));
    grpc::ClientContext ctx;
    ctx.set_wait_for_ready(true);
    ctx.set_deadline(std::chrono::system_clock::now() + (deadline - Clock::now()));
    gnmi::CapabilityResponse resp;
    return stub->Capabilities(&ctx, gnmi::CapabilityRequest(), &resp);
  }
  // 2,000 idle connections, then a legitimate call within 5 s of their close.
  void StormThenCall(int expected_cap, unsigned long fd_limit) {
    {
      Idlers storm(agent_->port(), kStorm);
      // Everything past the cap is reset by the agent: wait until it has seen them all.
      const int shed = storm.WaitClosedByPeer(kStorm - expected_cap, Clock::now() + 30s);
      EXPECT_GE(shed, kStorm - expected_cap) << agent_->Log();
      EXPECT_LE(OpenFds(agent_->pid()),
                std::min(static_cast<int>(fd_limit) - 64, expected_cap + 64))
          << "connections beyond the cap, or into the fd reserve";
      storm.CloseAll();
    }
    const auto closed = Clock::now();
    grpc::Status s = LegitimateCall(closed + 5s);
    EXPECT_TRUE(s.ok()) << "listener wedged after the storm: " << s.error_message() << "\n"
                        << agent_->Log();
    std::cout
        << "legitimate call served "
        << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - closed).count()
        << " ms after the storm closed\n";
  }
};

TEST_F(ConnectionLimitsTest, IdleStormUnderTheUnitFdLimitIsCappedAndForgotten) {
  const unsigned long limit = UnitFdLimit();
  ASSERT_GE(limit, 1024UL) << "systemd/rotagentd.service sets no LimitNOFILE";
  StartWithFdLimit(limit);
  StormThenCall(512, limit);  // limits.max_connections by default
}

// A limit below the connection cap: the fd reserve, not the cap, is what stops the storm, and
// accept4 never reports EMFILE to gRPC (on gRPC 1.51 that stopped the listener for good).
TEST_F(ConnectionLimitsTest, IdleStormBeyondTheFdLimitDoesNotWedgeTheListener) {
  StartWithFdLimit(512);
  StormThenCall(512 - 64, 512);
}

TEST_F(ConnectionLimitsTest, StalledHandshakesAreCutAndDoNotBlockOthers) {
  extra_config_ = "limits: {handshake_timeout: 5}\n";
  StartAgent();
  // A TLS record header announcing a 512-byte ClientHello, and only its first bytes.
  const std::string partial("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
  const auto opened = Clock::now();
  Idlers stalled(agent_->port(), 200, partial);
  // Answered before any stalled handshake is cut, so they did not hold it up.
  grpc::Status s = LegitimateCall(opened + 4s);
  EXPECT_TRUE(s.ok()) << "stalled handshakes blocked a legitimate call: " << s.error_message();
  EXPECT_EQ(stalled.WaitClosedByPeer(1, opened + 4500ms), 0) << "cut before the handshake timeout";
  // The upper bound leaves room for a loaded machine under the sanitizers.
  EXPECT_EQ(stalled.WaitClosedByPeer(200, opened + 5s + 10s), 200)
      << "stalled handshakes outlived limits.handshake_timeout";
}

// The watchdog is fed only while the self-probe gets a handshake; the probe connects from a port
// the gate admits beyond the cap, so a full house of idle attackers cannot starve it either.
TEST_F(ConnectionLimitsTest, WatchdogIsFedThroughAFullHouse) {
  StartAgent({{"WATCHDOG_USEC", "1500000"}});  // a self-probe every 500 ms
  ASSERT_TRUE(agent_->WaitNotify("WATCHDOG=1", 10s)) << agent_->Log();
  Idlers storm(agent_->port(), 600);
  ASSERT_GE(storm.WaitClosedByPeer(600 - 512, Clock::now() + 30s), 600 - 512);
  // Every slot is taken (the attackers hold theirs for limits.handshake_timeout, 10 s).
  const auto until = Clock::now() + 3s;
  while (Clock::now() < until) {
    ASSERT_TRUE(agent_->WaitNotify("WATCHDOG=1", 2s)) << "watchdog starved\n" << agent_->Log();
  }
  EXPECT_EQ(agent_->Log().find("self-probe failed"), std::string::npos) << agent_->Log();
}

}  // namespace
}  // namespace rotagent::testing
