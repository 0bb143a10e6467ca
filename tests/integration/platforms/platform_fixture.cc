#include "tests/integration/platforms/platform_fixture.h"

#include <crypt.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <regex>

namespace rotagent::testing {
namespace fs = std::filesystem;

std::string Sha512(const std::string& password) {
  crypt_data data{};
  return crypt_r(password.c_str(), "$6$rotagenttest$", &data);
}

void PlatformTest::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info->name();  // "Test/param" for parameterized tests
  std::replace(name.begin(), name.end(), '/', '-');
  dir_ = fs::temp_directory_path() / ("rotagent-pf-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  ca_ = MakeCa("platform CA");
  bootstrap_ = MakeServer(ca_, "bootstrap");
  admin_ = MakeLeaf(ca_, "admin");
  leaf1_ = MakeServer(ca_, "device-v1");
  leaf2_ = MakeServer(ca_, "device-v2");
  std::ofstream(dir_ / "id-cert.pem") << bootstrap_.cert_pem;
  std::ofstream(dir_ / "id-key.pem") << bootstrap_.key_pem;
  std::ofstream(dir_ / "id-trust.pem") << ca_.cert_pem;
}

void PlatformTest::TearDown() {
  stubs_.clear();
  agent_.reset();
  if (!HasFailure()) fs::remove_all(dir_);
}

void PlatformTest::StartAgent(const std::string& platform,
                              const std::map<std::string, std::string>& env) {
  const std::string d = dir_.string();
  const std::string timeout = std::to_string(confirm_timeout_);
  agent_ = std::make_unique<AgentProcess>(
      dir_ / "agent", "listen: 127.0.0.1:0\nstate_dir: " + d + "/agent/state\nlog_level: debug\n" +
                          "identity: {cert: " + d + "/id-cert.pem, key: " + d +
                          "/id-key.pem, trust_bundle: " + d +
                          "/id-trust.pem}\n"
                          "grpc_server: {ssl_profile: gnsi}\n"
                          "certz:\n  confirm_timeout: " +
                          timeout +
                          "\n  profiles: [{id: gnsi, role: server}]\n"
                          "credentialz:\n  confirm_timeout: " +
                          timeout + "\n  accounts: " + accounts_ +
                          "\n"
                          "authorization:\n"
                          "  gnsi.certz.v1.Certz: [\"CN=admin\"]\n"
                          "  gnsi.credentialz.v1.Credentialz: [\"CN=admin\"]\n"
                          "  gnmi.gNMI: [\"CN=admin\"]\n"
                          "platform:\n" +
                          platform);
  agent_->Start(env);
}

void PlatformTest::ExpectNoSecretsInLog(const std::vector<std::string>& secrets) const {
  if (!agent_) return;
  const std::string log = agent_->Log();
  for (const auto& s : secrets) {
    EXPECT_EQ(log.find(s), std::string::npos) << "a secret reached the agent's log";
  }
  EXPECT_FALSE(std::regex_search(log, std::regex(R"(\$6\$[./A-Za-z0-9]+\$)")))
      << "a sha512-crypt hash reached the agent's log";
}

std::unique_ptr<pb::Certz::Stub> PlatformTest::Certz() const {
  return pb::Certz::NewStub(NewChannel(agent_->port(), ca_.cert_pem, admin_));
}

std::unique_ptr<cz::Credentialz::Stub> PlatformTest::Credentialz() const {
  return cz::Credentialz::NewStub(NewChannel(agent_->port(), ca_.cert_pem, admin_));
}

std::map<std::string, std::string> PlatformTest::GnmiLeaves(const std::string& origin,
                                                            const std::string& path) const {
  auto stub = gnmi::gNMI::NewStub(NewChannel(agent_->port(), ca_.cert_pem, admin_));
  gnmi::GetRequest req;
  *req.add_path() = GnmiPath(origin, path);
  req.set_encoding(gnmi::PROTO);
  gnmi::GetResponse resp;
  grpc::ClientContext ctx;
  grpc::Status st = stub->Get(&ctx, req, &resp);
  EXPECT_TRUE(st.ok()) << path << ": " << st.error_message();
  return Leaves(resp);
}

grpc::Status PlatformTest::HostParametersStatus() const {
  auto stub = Credentialz();
  auto s = OpenHostStream(*stub);
  cz::RotateHostParametersRequest req;
  req.mutable_authentication_allowed()->add_authentication_types(cz::AUTHENTICATION_TYPE_PASSWORD);
  if (s->Exchange(req)) return grpc::Status::OK;  // accepted: the caller's expectation fails
  return s->Finish();
}

grpc::Status PlatformTest::PublicKeysStatus() const {
  auto stub = Credentialz();
  grpc::ClientContext ctx;
  cz::GetPublicKeysRequest req;
  cz::GetPublicKeysResponse resp;
  return stub->GetPublicKeys(&ctx, req, &resp);
}

void PlatformTest::ExpectNoSshHostCapability(const std::string& platform) const {
  for (const grpc::Status& st : {HostParametersStatus(), PublicKeysStatus()}) {
    EXPECT_EQ(st.error_code(), grpc::StatusCode::UNIMPLEMENTED) << st.error_message();
    EXPECT_NE(st.error_message().find("platform '" + platform + "' has no SSH host capability"),
              std::string::npos)
        << st.error_message();
  }
  auto leaves = GnmiLeaves("rotagent", "/rotation/agent/state/platform-capability");
  const std::string base = "rotagent:/rotation/agent/state/platform-capability[name=";
  EXPECT_EQ(leaves[base + "certificates]/supported"], "true");
  EXPECT_EQ(leaves[base + "accounts]/supported"], "true");
  EXPECT_EQ(leaves[base + "ssh-host]/supported"], "false");
}

std::unique_ptr<RotateStream> PlatformTest::RotateGnsi(const Identity& leaf,
                                                       const std::string& version, bool finalize) {
  stubs_.push_back(Certz());  // the agent's port changes when it restarts
  auto s = std::make_unique<RotateStream>(*stubs_.back());
  EXPECT_TRUE(
      s->Exchange(Upload("gnsi", {ChainEntity(version, 1700000000, {leaf.cert_pem}, leaf.key_pem),
                                  TrustEntity(version, 1700000000, {ca_.cert_pem})})));
  if (finalize) {
    EXPECT_TRUE(s->Send(Finalize("gnsi")));
    grpc::Status st = s->Finish();
    EXPECT_TRUE(st.ok()) << st.error_message();
  }
  return s;
}

}  // namespace rotagent::testing
