// A transaction whose rollback fails keeps its journal entry for the next start. That entry is
// the transaction's own: a later, unrelated transaction must neither overwrite nor remove it,
// and the next start still resolves it (without undoing what the later one committed).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/integration/certz_fixture.h"
#include "tests/support/certz_client.h"
#include "tests/support/dir_watch.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;

std::map<std::string, std::string> JournalFiles(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    out[e.path().filename().string()] = ReadText(e.path());
  }
  return out;
}

class JournalEntryTest : public CertzTest {
 protected:
  // A rollback hook that fails the first time it runs and succeeds afterwards.
  std::string FailOnceHook() {
    const fs::path path = dir_ / "rollback-fails-once.sh";
    const std::string marker = (dir_ / "rollback-failed-once").string();
    std::ofstream(path) << "#!/bin/sh\n"
                        << "[ -e " << marker << " ] && exit 0\n"
                        << ": > " << marker << "\n"
                        << "exit 7\n";
    chmod(path.c_str(), 0755);
    return path.string();
  }
};

TEST_F(JournalEntryTest, AFailedRollbackKeepsItsEntryThroughALaterTransaction) {
  gnsi_hooks_ = "{rollback: [" + FailOnceHook() + "]}";
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  const fs::path journal = dir_ / "state/journal";
  // A committed rotation closes its entry once its client has the answer.
  ASSERT_TRUE(WaitInDirectory(journal, [&] { return fs::is_empty(journal); }));

  // First transaction: staged, then abandoned; its rollback hook fails.
  EXPECT_EQ(StageNext()->Finish().error_code(), grpc::StatusCode::ABORTED);
  ASSERT_TRUE(fs::exists(dir_ / "rollback-failed-once"));
  const auto open = JournalFiles(journal);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_NE(agent_->Log().find("rollback incomplete, will retry at start"), std::string::npos);

  // Second transaction, committed: the first one's entry is still there, byte for byte.
  RotateGnsi(next_, {trust_pem_}, "v3");
  EXPECT_TRUE(WaitInDirectory(journal, [&] { return JournalFiles(journal) == open; }));

  // The next start resolves the open entry and keeps what the second transaction committed.
  agent_->Stop();
  StartAgent();
  EXPECT_TRUE(fs::is_empty(journal));
  ASSERT_TRUE(Committed("gnsi").has_value());
  EXPECT_EQ(Committed("gnsi")->chain.version, "v3");
  EXPECT_EQ(ReadText(dir_ / "installed/cert.pem"), next_.cert_pem);
  EXPECT_NE(agent_->Log().find("transaction interrupted by a restart; rolling back"),
            std::string::npos);
}

}  // namespace
}  // namespace rotagent::testing
