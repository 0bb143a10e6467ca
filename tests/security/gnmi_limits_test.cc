// Any client allowed to read gNMI tries to exhaust the agent: a thousand STREAM subscriptions and
// one request with 5,000 SAMPLE subscriptions at 100 ms. Beyond the caps each is refused naming
// the cap, the agent's threads and memory stay bounded, and a certz rotation still completes.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "common/x509.h"
#include "tests/integration/certz_fixture.h"
#include "tests/support/gnmi_client.h"

namespace rotagent::testing {
namespace {
using namespace std::chrono_literals;

const std::string kChain = "/rotation/credentials/credential[name=profiles/gnsi/chain]/state/";

// Documented in config/README.md (limits, gnmi): what the agent may take with every gNMI cap
// reached. Threads: limits.max_threads (64) for calls plus gRPC's and the agent's own.
constexpr int kMaxThreads = 64 + 32;
constexpr double kMaxRssMiB = 400;  // under ASan, which roughly doubles the footprint

// A field of /proc/PID/status, e.g. "Threads" or "VmRSS" (kB).
long ProcStatus(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

class GnmiLimitsTest : public CertzTest {
 protected:
  void Start() {
    std::filesystem::create_directories(dir_ / "installed");
    const std::string config =
        std::regex_replace(Config(), std::regex(R"(gnmi\.gNMI: \["CN=admin"\])"),
                           R"(gnmi.gNMI: ["CN=admin", "CN=stranger"])");
    agent_ = std::make_unique<AgentProcess>(dir_, config);
    agent_->Start();
  }
  std::unique_ptr<gnmi::gNMI::Stub> Gnmi(const Identity& who) const {
    return gnmi::gNMI::NewStub(NewChannel(agent_->port(), trust_pem_, who));
  }
  // Opens a subscription; nullptr with `refused` set when the agent ends it instead of syncing.
  static std::unique_ptr<GnmiSubscription> Open(gnmi::gNMI::Stub& stub,
                                                const gnmi::SubscribeRequest& req,
                                                grpc::Status* refused) {
    auto s = std::make_unique<GnmiSubscription>(stub, req);
    if (s->WaitFor([&] { return s->synced(); }, 20s)) return s;
    *refused = s->Finish();
    return nullptr;
  }
};

TEST_F(GnmiLimitsTest, FiveThousandFastSamplesInOneRequestAreRefused) {
  Start();
  auto stub = Gnmi(admin_);
  gnmi::SubscribeRequest req =
      StreamRequest(std::vector<gnmi::Path>(5000, GnmiPath("rotagent", kChain)), gnmi::SAMPLE);
  for (auto& s : *req.mutable_subscribe()->mutable_subscription())
    s.set_sample_interval(100'000'000);
  EXPECT_GT(req.ByteSizeLong(), 100'000u);
  grpc::Status refused;
  EXPECT_TRUE(Open(*stub, req, &refused) == nullptr) << "accepted";
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_NE(refused.error_message().find("gnmi.max_subscriptions_per_request 32"),
            std::string::npos)
      << refused.error_message();

  // One path is fine, but not at 100 ms: the floor is gnmi.min_sample_interval_ms.
  req = StreamRequest({GnmiPath("rotagent", kChain)}, gnmi::SAMPLE);
  req.mutable_subscribe()->mutable_subscription(0)->set_sample_interval(100'000'000);
  EXPECT_TRUE(Open(*stub, req, &refused) == nullptr) << "accepted";
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused.error_message();
  EXPECT_NE(refused.error_message().find("gnmi.min_sample_interval_ms"), std::string::npos)
      << refused.error_message();

  req.mutable_subscribe()->mutable_subscription(0)->set_sample_interval(1'000'000'000);
  auto ok = Open(*stub, req, &refused);
  EXPECT_NE(ok, nullptr) << refused.error_message();
}

TEST_F(GnmiLimitsTest, ThousandStreamsAreCappedWhileARotationCompletes) {
  extra_config_ = "gnmi: {max_streams: 12, max_streams_per_client: 8}\n";
  Start();
  const long idle_threads = ProcStatus(agent_->pid(), "Threads");
  auto admin = Gnmi(admin_);
  auto other = Gnmi(stranger_);
  const gnmi::SubscribeRequest req = StreamRequest({GnmiPath("rotagent", kChain)});

  std::vector<std::unique_ptr<GnmiSubscription>> open;
  int refused_per_client = 0, refused_total = 0;
  auto attempt = [&](gnmi::gNMI::Stub& stub, int n) {
    for (int i = 0; i < n; ++i) {
      grpc::Status refused;
      if (auto s = Open(stub, req, &refused)) {
        open.push_back(std::move(s));
        continue;
      }
      ASSERT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
          << refused.error_message();
      const std::string& m = refused.error_message();
      if (m.find("gnmi.max_streams_per_client 8") != std::string::npos) {
        ++refused_per_client;
      } else if (m.find("gnmi.max_streams 12") != std::string::npos) {
        ++refused_total;
      } else {
        ADD_FAILURE() << "refusal names no cap: " << m;
      }
    }
  };
  attempt(*admin, 1000);
  EXPECT_EQ(open.size(), 8u);
  EXPECT_EQ(refused_per_client, 992);
  attempt(*other, 10);  // a second client gets what is left of the total
  EXPECT_EQ(open.size(), 12u);
  EXPECT_EQ(refused_total, 6);

  const long threads = ProcStatus(agent_->pid(), "Threads");
  const double rss_mib = static_cast<double>(ProcStatus(agent_->pid(), "VmRSS")) / 1024;
  std::cout << "agent: " << idle_threads << " threads idle, " << threads << " threads and "
            << rss_mib << " MiB RSS with every stream cap reached\n";
  EXPECT_LE(threads, kMaxThreads);
  EXPECT_LE(rss_mib, kMaxRssMiB);

  // The certz rotation still gets a thread, and every open subscriber sees its result.
  RotateGnsi(server_a_, {ca_a_.cert_pem, ca_b_.cert_pem}, "v1");
  EXPECT_EQ(Served(), Fingerprint(server_a_.cert_pem));
  const std::string version = "rotagent:" + kChain + "version";
  for (auto& s : open) {
    EXPECT_TRUE(s->WaitFor(
        [&] {
          auto h = s->History(version);
          return !h.empty() && h.back() == "v1";
        },
        20s));
  }

  // Closing streams frees their slots (a stream sees its cancellation within a second).
  open.clear();
  grpc::Status refused;
  std::unique_ptr<GnmiSubscription> again;
  for (const auto deadline = std::chrono::steady_clock::now() + 5s;
       !again && std::chrono::steady_clock::now() < deadline;) {
    again = Open(*other, req, &refused);
  }
  EXPECT_NE(again, nullptr) << refused.error_message();
}

}  // namespace
}  // namespace rotagent::testing
