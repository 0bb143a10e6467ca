#include "tests/integration/certz_fixture.h"

#include <algorithm>
#include <fstream>

#include "common/x509.h"

namespace rotagent::testing {
namespace fs = std::filesystem;

void CertzTest::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  // One directory per test, short enough for the agent's unix sockets (sun_path is 108 bytes):
  // a parameterized name holds '/' and can be long.
  std::string name = info->name();
  if (name.size() > 48) name = name.substr(name.size() - 48);  // the tail names the parameter
  std::replace(name.begin(), name.end(), '/', '-');
  dir_ = fs::temp_directory_path() / ("rotagent-it-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  ca_a_ = MakeCa("CA A");
  ca_b_ = MakeCa("CA B");
  default_server_ = MakeServer(ca_a_, "default-identity");
  server_a_ = MakeServer(ca_a_, "gnsi-server-1");
  next_ = MakeServer(ca_a_, "gnsi-server-2");
  admin_ = MakeLeaf(ca_a_, "admin");
  operator_b_ = MakeLeaf(ca_b_, "operator-b");
  stranger_ = MakeLeaf(ca_a_, "stranger");
  trust_pem_ = ca_a_.cert_pem + ca_b_.cert_pem;
  std::ofstream(dir_ / "id-cert.pem") << default_server_.cert_pem;
  std::ofstream(dir_ / "id-key.pem") << default_server_.key_pem;
  std::ofstream(dir_ / "id-trust.pem") << ca_a_.cert_pem;
}

void CertzTest::TearDown() {
  stage_stub_.reset();
  agent_.reset();
  if (!HasFailure()) fs::remove_all(dir_);
}

std::string CertzTest::Config(int confirm_timeout) const {
  const std::string d = dir_.string();
  return "listen: 127.0.0.1:0\n"
         "state_dir: " +
         d +
         "/state\n"
         "log_level: debug\n"
         "identity: {cert: " +
         d + "/id-cert.pem, key: " + d + "/id-key.pem, trust_bundle: " + d +
         "/id-trust.pem}\n"
         "grpc_server: {ssl_profile: gnsi}\n"
         "certz:\n"
         "  confirm_timeout: " +
         std::to_string(confirm_timeout) + "\n" + certz_options_ +
         "  profiles:\n"
         "    - id: gnsi\n"
         "      role: server\n"
         "      install: {cert: " +
         d + "/installed/cert.pem, key: " + d + "/installed/key.pem, trust_bundle: " + d +
         "/installed/ca.pem}\n" +
         (gnsi_hooks_.empty() ? "" : "      hooks: " + gnsi_hooks_ + "\n") +
         "    - id: client-tls\n"
         "      role: client\n" +
         extra_profiles_ +
         "authorization:\n"
         "  gnsi.certz.v1.Certz: [\"CN=admin\", \"CN=operator-b\"]\n"
         "  gnmi.gNMI: [\"CN=admin\"]\n" +
         extra_authorization_ + extra_config_;
}

void CertzTest::StartAgent(const std::map<std::string, std::string>& env) {
  fs::create_directories(dir_ / "installed");
  agent_ = std::make_unique<AgentProcess>(dir_, Config(confirm_timeout_));
  agent_->Start(env);
}

std::unique_ptr<pb::Certz::Stub> CertzTest::Stub(const Identity& who) const {
  return pb::Certz::NewStub(NewChannel(agent_->port(), trust_pem_, who));
}

std::string CertzTest::Served() const {
  const auto at = [&](tls::ProbeVersion v) {
    return tls::ServedFingerprint("127.0.0.1", agent_->port(), std::chrono::seconds(3), v);
  };
  auto tls13 = at(tls::ProbeVersion::kTls13);
  if (!tls13.ok()) return "unreachable: " + tls13.status().message();
  // The proof looks in TLS 1.2: it must see what TLS 1.3 clients are served.
  auto tls12 = at(tls::ProbeVersion::kTls12);
  if (!tls12.ok()) return "unreachable in TLS 1.2: " + tls12.status().message();
  if (*tls12 != *tls13) return "a TLS 1.2 client is served another certificate";
  return *tls13;
}

std::optional<certz::ProfileMaterial> CertzTest::Committed(const std::string& profile) const {
  certz::ProfileStore store(dir_ / "state");
  return store.Committed(profile);
}

pb::RotateCertificateRequest CertzTest::GnsiUpload(const Identity& server,
                                                   const std::vector<std::string>& trust,
                                                   const std::string& version) {
  return Upload("gnsi", {ChainEntity(version, 1700000000, {server.cert_pem}, server.key_pem),
                         TrustEntity("trust-" + version, 1700000000, trust)});
}

void CertzTest::RotateGnsi(const Identity& server, const std::vector<std::string>& trust,
                           const std::string& version) {
  auto stub = Admin();
  RotateStream s(*stub);
  ASSERT_TRUE(s.Exchange(GnsiUpload(server, trust, version))) << s.Finish().error_message();
  ASSERT_TRUE(s.Send(Finalize("gnsi")));
  grpc::Status st = s.Finish();
  ASSERT_TRUE(st.ok()) << st.error_message();
}

std::unique_ptr<RotateStream> CertzTest::StageNext() {
  stage_stub_ = Admin();
  auto s = std::make_unique<RotateStream>(*stage_stub_);
  EXPECT_TRUE(s->Exchange(UploadLeaf("gnsi", "v2", next_))) << "staging v2 failed";
  return s;
}

}  // namespace rotagent::testing
