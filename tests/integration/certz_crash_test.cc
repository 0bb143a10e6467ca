// SIGKILL at every step of a rotation: after a restart the agent serves the old or the new
// certificate, never a mix; the key matches; and what it reports is what it serves.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "agent/certz/validate.h"
#include "common/x509.h"
#include "tests/integration/certz_fixture.h"

namespace rotagent::testing {
namespace {

class CertzCrashTest : public CertzTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(CertzCrashTest, KillAtStepLeavesOldOrNew) {
  const std::string failpoint = GetParam();
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  agent_->Stop();
  agent_->Start({{"ROTAGENT_FAILPOINT", failpoint}});

  {
    auto stub = Admin();
    RotateStream s(*stub);
    if (s.Exchange(UploadLeaf("gnsi", "v2", next_))) {
      s.Send(Finalize("gnsi"));
    }
    (void)s.Finish();
  }
  int st = agent_->WaitExit();
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
      << "failpoint " << failpoint << " never hit";

  agent_->Start();
  const std::string served = Served();
  const std::string old_fp = Fingerprint(server_a_.cert_pem), new_fp = Fingerprint(next_.cert_pem);
  ASSERT_TRUE(served == old_fp || served == new_fp) << served;

  // What the agent records as committed is exactly what it serves, and its key matches.
  auto committed = Committed("gnsi");
  ASSERT_TRUE(committed);
  EXPECT_EQ(Fingerprint(committed->chain_pem), served);
  EXPECT_EQ(committed->chain.version, served == new_fp ? "v2" : "v1");
  auto cert = x509::ParseCertificates(committed->chain_pem, x509::Encoding::kPem, "chain");
  auto key = x509::ParsePrivateKey(committed->key_pem.reveal(), x509::Encoding::kPem, "key");
  ASSERT_TRUE(cert.ok() && key.ok());
  EXPECT_TRUE(certz::CheckKeyMatches(cert->front().get(), key->get(), "committed").ok());
  // So does the recorded synchronization state: a rotation killed after its answer (while
  // closing its journal entry) still reports the version it committed.
  if (served == new_fp) {
    const auto ledger = nlohmann::json::parse(ReadText(dir_ / "state/sync-status.json"));
    EXPECT_EQ(ledger["profiles/gnsi/chain"]["status"], "InSync") << ledger.dump();
    EXPECT_EQ(ledger["profiles/gnsi/chain"]["attempted_version"], "v2") << ledger.dump();
  }
  // The files installed for other services agree too.
  EXPECT_EQ(ReadText(dir_ / "installed/cert.pem"), committed->chain_pem);
  EXPECT_EQ(ReadText(dir_ / "installed/key.pem"), committed->key_pem.reveal());
  // No open transaction and no orphaned slot is left behind.
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / "state/journal"));
  size_t slots = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator(dir_ / "state/profiles/gnsi/slots")) {
    ++slots;
  }
  EXPECT_EQ(slots, 1u);
  // And a new rotation works.
  Identity third = MakeServer(ca_a_, "gnsi-server-3");
  RotateGnsi(third, {trust_pem_}, "v3");
  EXPECT_EQ(Served(), Fingerprint(third.cert_pem));
}

INSTANTIATE_TEST_SUITE_P(EveryStep, CertzCrashTest,
                         ::testing::Values("txn.journal_opened", "store.slot_written",
                                           "txn.live_switched", "linux.cert_installed",
                                           "certz.platform_staged", "listener.served_switched",
                                           "txn.staged", "txn.platform_committed",
                                           "txn.commit_decided", "txn.committed", "txn.closing",
                                           "txn.journal_closed"),
                         FailpointName());

}  // namespace
}  // namespace rotagent::testing
