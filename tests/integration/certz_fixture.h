// Shared set-up for certz integration tests: a PKI with two CAs, a real rotagentd whose listener
// serves profile "gnsi", and clients from each CA.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "agent/certz/profile_store.h"
#include "agent/tls/probe.h"
#include "tests/support/agent_process.h"
#include "tests/support/certz_client.h"

namespace rotagent::testing {

class CertzTest : public ::testing::Test {
 public:
  void SetUp() override;
  void TearDown() override;

  std::string Config(int confirm_timeout = 300) const;
  void StartAgent(const std::map<std::string, std::string>& env = {});
  std::unique_ptr<pb::Certz::Stub> Stub(const Identity& who) const;
  std::unique_ptr<pb::Certz::Stub> Admin() const { return Stub(admin_); }
  // Fingerprint of the certificate a brand-new TLS 1.3 handshake sees; a TLS 1.2 one (the
  // proof's) must see the same.
  std::string Served() const;
  // Committed metadata of a profile, straight from the store on disk.
  std::optional<certz::ProfileMaterial> Committed(const std::string& profile) const;
  // The upload RotateGnsi sends: `server`'s chain and key as `version`, `trust` as
  // "trust-<version>".
  static pb::RotateCertificateRequest GnsiUpload(const Identity& server,
                                                 const std::vector<std::string>& trust,
                                                 const std::string& version);
  // Rotates profile gnsi to `server` with trust bundle `trust` and finalizes.
  void RotateGnsi(const Identity& server, const std::vector<std::string>& trust,
                  const std::string& version);
  // Opens a Rotate stream on gnsi that stages next_ as version v2; the caller ends the stream.
  std::unique_ptr<RotateStream> StageNext();

  std::filesystem::path dir_;
  Identity ca_a_, ca_b_, default_server_, server_a_, admin_, operator_b_, stranger_;
  Identity next_;  // the server certificate a second rotation stages
  std::unique_ptr<pb::Certz::Stub> stage_stub_;
  std::string trust_pem_;  // ca_a + ca_b, what clients trust for the server
  std::unique_ptr<AgentProcess> agent_;
  int confirm_timeout_ = 300;
  std::string gnsi_hooks_;     // YAML flow mapping for profile gnsi's hooks, e.g. "{stage: [/x]}"
  std::string extra_config_;   // more top-level YAML, e.g. a state: section
  std::string certz_options_;  // more certz keys, e.g. "  idle_timeout: 1\n"
  std::string extra_authorization_;  // more authorization entries, e.g. "  /gnmi.gNMI/Get: [x]\n"
  std::string extra_profiles_;  // more certz profiles, e.g. "    - id: spare\n      role: server\n"
};

}  // namespace rotagent::testing
