// rotctl renew and --output prometheus against a fabric of real rotagentd processes on loopback:
// renewal reissues exactly the certificates below the threshold, each device after its own jitter
// delay, as one recorded operation, and --dry-run changes nothing; the Prometheus output of
// `fabric show`, `expiry` and the renewal's textfile parses strictly and carries the series.
#include "ctl/renew.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "agent/tls/probe.h"
#include "tests/support/agent_process.h"
#include "tests/support/certz_client.h"
#include "tests/support/pki.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/run_command.h"
#include "tests/support/sshd_process.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

class RenewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("rotagent-renew-" + std::string(info->name()) + "-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ca_ = MakeCa("renew bootstrap CA");
    const Identity rotctl = MakeLeaf(ca_, "rotctl");
    std::ofstream(dir_ / "rotctl-cert.pem") << rotctl.cert_pem;
    std::ofstream(dir_ / "rotctl-key.pem") << rotctl.key_pem;
    std::ofstream(dir_ / "agents-ca.pem") << ca_.cert_pem;
  }
  void TearDown() override {
    agents_.clear();
    if (!HasFailure()) fs::remove_all(dir_);
  }

  void AddAgent(const std::string& name) {
    const fs::path d = dir_ / name;
    fs::create_directories(d);
    const Identity id = MakeServer(ca_, name + "-bootstrap");
    std::ofstream(d / "id-cert.pem") << id.cert_pem;
    std::ofstream(d / "id-key.pem") << id.key_pem;
    std::ofstream(d / "id-trust.pem") << ca_.cert_pem;
    const int port = FreePort();
    const std::string s = d.string();
    auto p = std::make_unique<AgentProcess>(
        d, "listen: 127.0.0.1:" + std::to_string(port) + "\nstate_dir: " + s +
               "/state\nidentity: {cert: " + s + "/id-cert.pem, key: " + s +
               "/id-key.pem, trust_bundle: " + s +
               "/id-trust.pem}\n"
               "grpc_server: {ssl_profile: gnsi}\n"
               "certz:\n  profiles:\n    - {id: gnsi, role: server}\n"
               "authorization:\n  gnsi.certz.v1.Certz: [\"CN=rotctl\"]\n"
               "  gnmi.gNMI: [\"CN=rotctl\"]\n");
    p->Start();
    ports_[name] = port;
    agents_.push_back(std::move(p));
  }
  void WriteInventory(int days, const std::string& extra = "") {
    std::ofstream inv(dir_ / "inventory.yaml");
    inv << "fabric: lab\nclient: {cert: rotctl-cert.pem, key: rotctl-key.pem}\n"
        << "trust_bundle: agents-ca.pem\ncertificate_days: " << days << "\n"
        << "certificate_profiles: [{id: gnsi, role: server}]\n"
        << extra << "devices:\n";
    for (const auto& [name, port] : ports_) {
      inv << "  - {name: " << name << ", address: 127.0.0.1:" << port << "}\n";
    }
    inv << "  - {name: parked, address: 127.0.0.1:1, admin_state: maintenance}\n";
  }
  int Rotctl(const std::vector<std::string>& args, std::string* out) {
    std::vector<std::string> argv = {ROTCTL_PATH, "--inventory",
                                     (dir_ / "inventory.yaml").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, "", out);
  }
  // Parsed strictly; a parse error fails the test with the text.
  PromMetrics Metrics(const std::vector<std::string>& args, int want_rc) {
    std::string out;
    EXPECT_EQ(Rotctl(args, &out), want_rc) << out;
    auto m = ParsePromText(out);
    EXPECT_TRUE(m.ok()) << m.status().message() << "\n" << out;
    return m.ok() ? *m : PromMetrics{};
  }
  std::string Served(const std::string& device) {
    auto fp = tls::ServedFingerprint("127.0.0.1", ports_.at(device), std::chrono::seconds(3),
                                     tls::ProbeVersion::kTls13);
    return fp.ok() ? *fp : "unreachable";
  }
  static std::string Leaf(const std::string& metric, const std::string& device) {
    return metric + "{credential=\"profiles/gnsi/chain\",device=\"" + device +
           "\",fabric=\"lab\",type=\"ServerCertificate\"}";
  }
  size_t OperationCount() const {
    size_t n = 0;
    if (!fs::exists(dir_ / "rotctl-state/operations")) return 0;
    for (const auto& e : fs::directory_iterator(dir_ / "rotctl-state/operations")) {
      n += e.path().extension() == ".json";
    }
    return n;
  }

  fs::path dir_;
  Identity ca_;
  std::map<std::string, int> ports_;
  std::vector<std::unique_ptr<AgentProcess>> agents_;
};

std::string Rfc3339(int64_t t) {
  const time_t tt = t;
  tm utc{};
  gmtime_r(&tt, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

TEST_F(RenewTest, RenewsExactlyThoseBelowTheThresholdSpreadOverTheJitter) {
  for (const char* name : {"edge-a", "edge-b", "edge-c"}) AddAgent(name);
  WriteInventory(30);
  std::string out;
  ASSERT_EQ(Rotctl({"ca", "init"}, &out), 0) << out;
  ASSERT_EQ(Rotctl({"fabric", "rotate-certs", "--wait"}, &out), 0) << out;
  // edge-b gets a 90-day certificate; the others keep their 30-day ones.
  WriteInventory(90);
  ASSERT_EQ(Rotctl({"device", "resync-certs", "edge-b", "--wait"}, &out), 0) << out;
  WriteInventory(30);
  const PromMetrics before = Metrics({"--output", "prometheus", "fabric", "show"}, 0);
  const std::map<std::string, std::string> served = {
      {"edge-a", Served("edge-a")}, {"edge-b", Served("edge-b")}, {"edge-c", Served("edge-c")}};
  const size_t operations = OperationCount();

  // In 25 days edge-a and edge-c have 5 of 30 days left (< 1/3); edge-b 65 of 90 (> 1/3).
  const std::string at = Rfc3339(time(nullptr) + 25 * 86400);
  ASSERT_EQ(Rotctl({"renew", "--dry-run", "--at", at, "--jitter", "4s"}, &out), 0) << out;
  EXPECT_NE(out.find("would renew 2 certificate(s)"), std::string::npos) << out;
  EXPECT_NE(out.find("edge-a"), std::string::npos) << out;
  EXPECT_NE(out.find("edge-c"), std::string::npos) << out;
  EXPECT_EQ(out.find("edge-b"), std::string::npos) << out;
  // --dry-run changed nothing: no operation, the same certificates served and reported.
  EXPECT_EQ(OperationCount(), operations);
  for (const auto& [device, fp] : served) EXPECT_EQ(Served(device), fp) << device;
  EXPECT_EQ(Metrics({"--output", "prometheus", "fabric", "show"}, 0)
                .samples.at(Leaf("rotagent_credential_expiry_timestamp_seconds", "edge-a")),
            before.samples.at(Leaf("rotagent_credential_expiry_timestamp_seconds", "edge-a")));

  // Nothing is below the threshold now: a plain renew does nothing.
  ASSERT_EQ(Rotctl({"renew", "--jitter", "4s"}, &out), 0) << out;
  EXPECT_NE(out.find("nothing to renew"), std::string::npos) << out;
  EXPECT_EQ(OperationCount(), operations);

  const fs::path textfile = dir_ / "textfile/rotagent.prom";
  fs::create_directories(textfile.parent_path());
  ASSERT_EQ(Rotctl({"--output", "json", "renew", "--at", at, "--jitter", "4s", "--textfile",
                    textfile.string()},
                   &out),
            0)
      << out;
  EXPECT_NE(Served("edge-a"), served.at("edge-a"));
  EXPECT_EQ(Served("edge-b"), served.at("edge-b"));
  EXPECT_NE(Served("edge-c"), served.at("edge-c"));
  EXPECT_EQ(OperationCount(), operations + 1);

  // One RenewCertificates operation with exactly the two devices, each started after its delay.
  const size_t id_at = out.rfind("operation ");
  ASSERT_NE(id_at, std::string::npos) << out;
  const std::string id = out.substr(id_at + 10, out.find(':', id_at) - id_at - 10);
  std::string shown;
  ASSERT_EQ(Rotctl({"--output", "json", "operation", "show", id}, &shown), 0) << shown;
  const json op = json::parse(shown);
  // The record on disk keeps each device's times as numbers.
  const json record = json::parse(ReadText(dir_ / "rotctl-state/operations" / (id + ".json")));
  EXPECT_EQ(op["kind"], "RenewCertificates");
  EXPECT_EQ(op["status"], "Succeeded");
  ASSERT_EQ(op["devices"].size(), 2u) << shown;
  std::set<int64_t> delays;
  for (const auto& d : record["devices"]) {
    const std::string name = d["device"];
    EXPECT_TRUE(name == "edge-a" || name == "edge-c") << name;
    const int64_t delay = ctl::JitterDelay("lab", name, 4);
    EXPECT_LE(delay, 4);
    EXPECT_EQ(d["notBefore"].get<int64_t>(), record["startTime"].get<int64_t>() + delay) << name;
    EXPECT_GE(d["started"].get<double>(), d["notBefore"].get<double>()) << name;
    delays.insert(delay);
  }
  EXPECT_EQ(delays.size(), 2u) << "the two devices start at different times in the window";
  // A renewal is a resync: the new leaves get a label of their own, and the fabric is in sync.
  EXPECT_EQ(op["certificateVersion"], "v1-r2") << shown;  // edge-b's resync was v1-r1
  EXPECT_EQ(op["resyncOf"], "v1") << shown;
  ASSERT_EQ(Rotctl({"fabric", "show"}, &out), 0) << out;

  // The textfile: world-readable for node_exporter, strict exposition format, renewed expiry.
  struct stat st {};
  ASSERT_EQ(stat(textfile.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  auto after = ParsePromText(ReadText(textfile));
  ASSERT_TRUE(after.ok()) << after.status().message();
  const auto expiry = [&](const PromMetrics& m, const std::string& d) {
    return m.samples.at(Leaf("rotagent_credential_expiry_timestamp_seconds", d));
  };
  EXPECT_GE(expiry(*after, "edge-a"), expiry(before, "edge-a"));
  EXPECT_EQ(expiry(*after, "edge-b"), expiry(before, "edge-b"));
  EXPECT_GE(
      after->samples.at(Leaf("rotagent_credential_last_rotation_timestamp_seconds", "edge-c")),
      before.samples.at(Leaf("rotagent_credential_last_rotation_timestamp_seconds", "edge-c")));
}

TEST_F(RenewTest, PrometheusOutputParsesStrictlyAndCarriesTheSeries) {
  AddAgent("edge-a");
  const int gone = FreePort();  // an enabled device nobody answers for
  WriteInventory(30, "max_password_versions: 2\n");
  {
    std::ofstream inv(dir_ / "inventory.yaml", std::ios::app);
    inv << "  - {name: gone, address: 127.0.0.1:" << gone << "}\n";
  }
  std::string out;
  ASSERT_EQ(Rotctl({"ca", "init"}, &out), 0) << out;
  ASSERT_EQ(Rotctl({"fabric", "rotate-certs", "--wait"}, &out), 3) << out;  // gone fails
  const int64_t now = time(nullptr);
  const PromMetrics m = Metrics({"--output", "prometheus", "fabric", "show"}, 3);
  const auto& s = m.samples;
  EXPECT_EQ(s.at("rotagent_device_up{device=\"edge-a\",fabric=\"lab\"}"), 1);
  EXPECT_EQ(s.at("rotagent_device_up{device=\"gone\",fabric=\"lab\"}"), 0);
  EXPECT_EQ(s.at("rotagent_fabric_password_sets{fabric=\"lab\"}"), 0);
  EXPECT_EQ(s.at("rotagent_fabric_password_sets_max{fabric=\"lab\"}"), 2);
  EXPECT_EQ(s.at("rotagent_fabric_guardrail_blocking{fabric=\"lab\",guardrail=\"administrative_"
                 "lock\"}"),
            0);
  EXPECT_EQ(s.at("rotagent_fabric_devices{fabric=\"lab\",state=\"unreachable\"}"), 1);
  EXPECT_EQ(s.at("rotagent_fabric_devices{fabric=\"lab\",state=\"skipped\"}"), 1);
  EXPECT_EQ(s.at(Leaf("rotagent_credential_in_sync", "edge-a")), 1);
  const double expires = s.at(Leaf("rotagent_credential_expiry_timestamp_seconds", "edge-a"));
  EXPECT_NEAR(expires, static_cast<double>(now + 30 * 86400), 600);
  EXPECT_EQ(s.at(Leaf("rotagent_credential_expiry_remaining_days", "edge-a")), 29);
  EXPECT_NEAR(s.at(Leaf("rotagent_credential_expiry_remaining_seconds", "edge-a")),
              expires - static_cast<double>(now), 60);
  EXPECT_NEAR(s.at(Leaf("rotagent_credential_last_rotation_timestamp_seconds", "edge-a")),
              static_cast<double>(now), 120);
  for (const auto& [family, type] : m.types) {
    EXPECT_EQ(type, "gauge") << family;
    EXPECT_EQ(family.rfind("rotagent_", 0), 0u) << family;
    EXPECT_FALSE(m.help.at(family).empty()) << family;
  }

  // `expiry` carries the per-credential families only, every certificate (not a window).
  const PromMetrics e = Metrics({"--output", "prometheus", "expiry", "--within", "1d"}, 3);
  EXPECT_EQ(e.samples.at(Leaf("rotagent_credential_expiry_timestamp_seconds", "edge-a")), expires);
  EXPECT_EQ(e.types.count("rotagent_fabric_password_sets"), 0u);
  // Other commands refuse the format.
  EXPECT_EQ(Rotctl({"--output", "prometheus", "device", "show", "edge-a"}, &out), 2) << out;

  // A guardrail shows, and renew is refused by it (exit 4) even for --dry-run.
  WriteInventory(30, "administrative_lock: true\n");
  const PromMetrics locked = Metrics({"--output", "prometheus", "fabric", "show"}, 0);
  EXPECT_EQ(locked.samples.at("rotagent_fabric_guardrail_blocking{fabric=\"lab\",guardrail="
                              "\"administrative_lock\"}"),
            1);
  EXPECT_EQ(Rotctl({"renew", "--dry-run"}, &out), 4) << out;
}

// The parser itself refuses what Prometheus would.
TEST(PromTextParser, RefusesMalformedExposition) {
  EXPECT_TRUE(ParsePromText("# TYPE a gauge\na 1\n").ok());
  EXPECT_FALSE(ParsePromText("a 1\n").ok());                                         // no TYPE
  EXPECT_FALSE(ParsePromText("# TYPE a gauge\na 1").ok());                           // no newline
  EXPECT_FALSE(ParsePromText("# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n").ok());  // dup
  EXPECT_FALSE(ParsePromText("# TYPE a gauge\na{x=1} 1\n").ok());                    // unquoted
  EXPECT_FALSE(ParsePromText("# TYPE a gauge\na{x=\"\\t\"} 1\n").ok());              // bad escape
  EXPECT_FALSE(ParsePromText("# TYPE a counter\na 1\n").ok());                       // no _total
  EXPECT_FALSE(ParsePromText("# TYPE a gauge\n# TYPE b gauge\nb 1\na 1\n").ok());    // split
  EXPECT_FALSE(ParsePromText("# TYPE a gauge\na one\n").ok());                       // bad value
  EXPECT_FALSE(ParsePromText("# TYPE 1a gauge\n1a 1\n").ok());                       // bad name
}

}  // namespace
}  // namespace rotagent::testing
