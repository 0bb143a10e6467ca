#include "tests/integration/credentialz/credentialz_fixture.h"

#include <pwd.h>

#include <fstream>
#include <sstream>

#include "tests/support/certz_client.h"
#include "tests/support/run_command.h"

namespace rotagent::testing {
namespace fs = std::filesystem;

std::string InitialPassword(const std::string& account) { return "Initial+" + account + "+9z"; }

std::string ReadFileText(const fs::path& p) {
  std::stringstream ss;
  ss << std::ifstream(p).rdbuf();
  return ss.str();
}

namespace {

// Puts every test account back as the sandbox created it, so tests do not depend on order.
void ResetAccounts() {
  std::string lines;
  for (const char* name : kTestAccounts) {
    lines += std::string(name) + ":" + InitialPassword(name) + "\n";
    if (const passwd* pw = getpwnam(name)) fs::remove_all(fs::path(pw->pw_dir) / ".ssh");
  }
  if (RunCommand({"chpasswd"}, lines) != 0) throw std::runtime_error("chpasswd failed");
  fs::remove_all("/etc/ssh/rotagent");
}

}  // namespace

void CredentialzTest::SetUp() {
  ResetAccounts();
  // Short: unix socket paths inside it must fit in 108 bytes.
  static int serial = 0;
  dir_ = fs::temp_directory_path() /
         ("rz-" + std::to_string(getpid()) + "-" + std::to_string(serial++));
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  std::ofstream(dir_ / "test-name")
      << ::testing::UnitTest::GetInstance()->current_test_info()->name() << "\n";
  ca_ = MakeCa("CA");
  server_ = MakeServer(ca_, "credentialz-server");
  admin_ = MakeLeaf(ca_, "admin");
  std::ofstream(dir_ / "id-cert.pem") << server_.cert_pem;
  std::ofstream(dir_ / "id-key.pem") << server_.key_pem;
  std::ofstream(dir_ / "id-trust.pem") << ca_.cert_pem;
  sshd_ = std::make_unique<SshdProcess>(dir_ / "sshd");
  sshd_->Start();
  StartAgent();
}

void CredentialzTest::TearDown() {
  if (agent_) {
    const std::string log = agent_->Log();
    for (const char* name : kTestAccounts) {
      EXPECT_EQ(log.find(InitialPassword(name)), std::string::npos) << "a password reached the log";
    }
  }
  agent_.reset();
  sshd_.reset();
  if (!HasFailure()) fs::remove_all(dir_);
}

std::string CredentialzTest::Config() const {
  const std::string d = dir_.string();
  std::ostringstream c;
  c << "listen: 127.0.0.1:0\n"
    << "state_dir: " << d << "/state\n"
    << "log_level: debug\n"
    << "identity: {cert: " << d << "/id-cert.pem, key: " << d << "/id-key.pem, trust_bundle: " << d
    << "/id-trust.pem}\n"
    << "credentialz:\n"
    << "  confirm_timeout: " << confirm_timeout_ << "\n"
    << (idle_timeout_ == 60 ? ""  // the default; left out so older agents take the config
                            : "  idle_timeout: " + std::to_string(idle_timeout_) + "\n")
    << "  accounts:\n"
    << "    - {name: admin, role: Admin}\n"
    << "    - {name: admin2, role: AzureOperatorRW}\n"
    << "    - {name: telcoro1, role: TelcoRO1}\n"
    << "    - {name: ghost, role: TelcoRW1}\n"
    << "authorization:\n"
    << "  gnsi.credentialz.v1.Credentialz: [\"CN=admin\"]\n"
    << "  gnmi.gNMI: [\"CN=admin\"]\n"
    << "state: " << state_ << "\n"
    << "platform:\n"
    << "  ssh:\n"
    << "    address: 127.0.0.1:" << sshd_->port() << "\n"
    << "    config_fragment: " << sshd_->fragment().string() << "\n"
    << "    check_command: [/usr/sbin/sshd, -t, -f, " << sshd_->config().string() << "]\n"
    << "    pid_file: " << sshd_->pid_file().string() << "\n"
    << "    auth_log: " << (sshd_->dir() / "sshd.log").string() << "\n"
    << "    host_public_keys: [" << sshd_->host_public_key().string() << "]\n";
  return c.str();
}

void CredentialzTest::StartAgent(const std::map<std::string, std::string>& env) {
  agent_ = std::make_unique<AgentProcess>(dir_ / "agent", Config());
  agent_->Start(env);
}

std::unique_ptr<cz::Credentialz::Stub> CredentialzTest::Stub() const {
  return cz::Credentialz::NewStub(NewChannel(agent_->port(), ca_.cert_pem, admin_));
}

grpc::Status CredentialzTest::RotateAccounts(const cz::RotateAccountCredentialsRequest& req) {
  auto stub = Stub();
  auto s = OpenAccountStream(*stub);
  if (!s->Exchange(req)) return s->Finish();
  s->Send(FinalizeAccounts());
  return s->Finish();
}

grpc::Status CredentialzTest::RotateHost(const cz::RotateHostParametersRequest& req) {
  auto stub = Stub();
  auto s = OpenHostStream(*stub);
  if (!s->Exchange(req)) return s->Finish();
  s->Send(FinalizeHost());
  return s->Finish();
}

grpc::Status CredentialzTest::Refusal(const cz::RotateAccountCredentialsRequest& req) {
  auto stub = Stub();
  auto s = OpenAccountStream(*stub);
  if (s->Exchange(req)) return grpc::Status::OK;  // accepted: the caller's expectation fails
  return s->Finish();
}

}  // namespace rotagent::testing
