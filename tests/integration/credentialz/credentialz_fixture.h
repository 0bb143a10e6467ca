// Shared set-up for credentialz integration tests: the real sshd on a loopback port, a real
// rotagentd managing it, and test accounts that exist only in this process's /etc copy.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/agent_process.h"
#include "tests/support/credentialz_client.h"
#include "tests/support/pki.h"
#include "tests/support/sshd_process.h"

namespace rotagent::testing {

// admin, admin2 and telcoro1 are managed; guest exists but is not; root is break-glass.
inline constexpr std::array<const char*, 4> kTestAccounts = {"admin", "admin2", "telcoro1",
                                                             "guest"};
std::string InitialPassword(const std::string& account);

class CredentialzTest : public ::testing::Test {
 public:
  void SetUp() override;
  void TearDown() override;

  std::string Config() const;
  void StartAgent(const std::map<std::string, std::string>& env = {});
  std::unique_ptr<cz::Credentialz::Stub> Stub() const;
  int ssh_port() const { return sshd_->port(); }

  // Sends `req` in a new stream and finalizes; the status of the whole exchange.
  grpc::Status RotateAccounts(const cz::RotateAccountCredentialsRequest& req);
  grpc::Status RotateHost(const cz::RotateHostParametersRequest& req);
  // The status a stream holding only `req` ends with (for requests that must fail).
  grpc::Status Refusal(const cz::RotateAccountCredentialsRequest& req);

  std::filesystem::path dir_;
  Identity ca_, server_, admin_;
  std::unique_ptr<SshdProcess> sshd_;
  std::unique_ptr<AgentProcess> agent_;
  int confirm_timeout_ = 300;
  int idle_timeout_ = 60;
  std::string state_ = "{check_interval: 1}";  // the config's `state` map
};

std::string ReadFileText(const std::filesystem::path& p);

}  // namespace rotagent::testing
