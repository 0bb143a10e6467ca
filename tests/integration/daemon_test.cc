// The daemon's lifecycle: command line, embedded default, SIGHUP reload, SIGTERM drain.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>

#include "tests/integration/certz_fixture.h"
#include "tests/support/run_command.h"

namespace rotagent::testing {
namespace {

std::pair<int, std::string> Agent(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {AgentBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  int rc = RunCommand(argv, "", &out);
  return {rc, out};
}

TEST(DaemonCliTest, VersionHelpAndCheckConfig) {
  auto [rc, out] = Agent({"--version"});
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(out.rfind("rotagentd ", 0), 0u);
  std::tie(rc, out) = Agent({"--help"});
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("--check-config"), std::string::npos);
  std::tie(rc, out) = Agent({"--bogus"});
  EXPECT_EQ(rc, 2);

  auto dir = std::filesystem::temp_directory_path() / ("rotagent-cli-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "bad.yaml") << "identity: {bootstrap: true}\nlisten: 1.2.3.4\n";
  std::tie(rc, out) = Agent({"--check-config", "--config", (dir / "bad.yaml").string()});
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("bad.yaml:2: listen: expected host:port"), std::string::npos) << out;
  std::ofstream(dir / "good.yaml") << "identity: {bootstrap: true}\n";
  std::tie(rc, out) = Agent({"--check-config", "--config", (dir / "good.yaml").string()});
  EXPECT_EQ(rc, 0) << out;
  std::filesystem::remove_all(dir);
}

TEST_F(CertzTest, SighupReloadsAuthorizationWithoutDroppingConnections) {
  StartAgent();
  auto stub = Stub(stranger_);
  grpc::ClientContext c1;
  pb::GetProfileListResponse resp;
  ASSERT_EQ(stub->GetProfileList(&c1, {}, &resp).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  auto admin = Admin();
  grpc::ClientContext c0;
  ASSERT_TRUE(admin->GetProfileList(&c0, {}, &resp).ok());

  std::string cfg = Config();
  cfg.replace(cfg.find("\"CN=admin\""), 10, "\"CN=admin\", \"CN=stranger\"");
  std::ofstream(dir_ / "agent.yaml") << cfg;
  agent_->Signal(SIGHUP);
  ASSERT_TRUE(agent_->WaitNotify("RELOADING=1"));
  ASSERT_TRUE(agent_->WaitNotify("READY=1"));
  grpc::ClientContext c2;
  EXPECT_TRUE(stub->GetProfileList(&c2, {}, &resp).ok());
  grpc::ClientContext c3;
  EXPECT_TRUE(admin->GetProfileList(&c3, {}, &resp).ok());  // same connection as before
}

TEST_F(CertzTest, SigtermDuringRotationRollsBackAndExitsCleanly) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  auto s = StageNext();
  int st = agent_->Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << agent_->Log();
  EXPECT_NE(agent_->Log().find("stopped"), std::string::npos);
  agent_->Start();
  EXPECT_EQ(Served(), Fingerprint(server_a_.cert_pem));
  EXPECT_EQ(Committed("gnsi")->chain.version, "v1");
}

TEST(DaemonDefaultTest, EmbeddedDefaultBootstrapsAnIdentityOperatorsCanUse) {
  auto dir =
      std::filesystem::temp_directory_path() / ("rotagent-default-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  // The embedded default listens on 9339; a config identical to it but on a free port.
  AgentProcess agent(dir, "listen: 127.0.0.1:0\nstate_dir: " + (dir / "var/rotagent").string() +
                              "\nidentity: {bootstrap: true}\nauthorization:\n  "
                              "gnsi.certz.v1.Certz: [\"CN=rotagent-admin\"]\n");
  agent.Start();
  auto read = [&](const std::string& f) {
    std::ifstream in(dir / "var/rotagent/bootstrap" / f);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  Identity admin;
  admin.cert_pem = read("admin-cert.pem");
  admin.key_pem = read("admin-key.pem");
  EXPECT_TRUE(CanConnect(agent.port(), read("ca-cert.pem"), admin));
  EXPECT_NE(agent.Log().find("connect with mTLS"), std::string::npos);
  agent.Stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rotagent::testing
