// Shared set-up for the EOS and Opengear adapter tests: a PKI, the real rotagentd configured for
// the platform under test, and certz / credentialz clients.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "tests/support/agent_process.h"
#include "tests/support/certz_client.h"
#include "tests/support/credentialz_client.h"
#include "tests/support/gnmi_client.h"

namespace rotagent::testing {

class PlatformTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Fails the test if the agent's log holds any of `secrets` or anything like a crypt(3) hash.
  void ExpectNoSecretsInLog(const std::vector<std::string>& secrets) const;

  // `platform` is the YAML of the platform: section's body, indented by two spaces.
  void StartAgent(const std::string& platform, const std::map<std::string, std::string>& env = {});
  std::unique_ptr<pb::Certz::Stub> Certz() const;
  std::unique_ptr<cz::Credentialz::Stub> Credentialz() const;
  // Every leaf under `path` (gNMI Get), by PathText ("origin:/a/b[k=v]/c").
  std::map<std::string, std::string> GnmiLeaves(const std::string& origin,
                                                const std::string& path) const;
  // What the agent answers credentialz RotateHostParameters and GetPublicKeys with.
  grpc::Status HostParametersStatus() const;
  grpc::Status PublicKeysStatus() const;
  // A platform without an SSH-host sink: both SSH server RPCs are UNIMPLEMENTED naming it, and
  // gNMI reports certificates and accounts supported, ssh-host not.
  void ExpectNoSshHostCapability(const std::string& platform) const;
  // Uploads `leaf` with the CA as trust bundle to profile gnsi and, if `finalize`, finalizes.
  // Returns the stream (still open when not finalized).
  std::unique_ptr<RotateStream> RotateGnsi(const Identity& leaf, const std::string& version,
                                           bool finalize);

  std::filesystem::path dir_;
  Identity ca_, bootstrap_, admin_, leaf1_, leaf2_;
  std::unique_ptr<AgentProcess> agent_;
  std::vector<std::unique_ptr<pb::Certz::Stub>> stubs_;  // outlive the streams RotateGnsi opens
  // Long enough for a stream's staging (several emulator runs and a login proof under the
  // sanitizers on a loaded machine); EOS tests shorten it below their commit timer.
  int confirm_timeout_ = 30;
  std::string accounts_ = "[{name: admin, role: Admin}]";  // credentialz.accounts
};

// A sha512-crypt hash of `password` with a fixed salt.
std::string Sha512(const std::string& password);

}  // namespace rotagent::testing
