// Linux adapter hooks: run around each step with facts in the environment, never secrets; a
// failing hook fails the step and rolls it back.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "tests/integration/certz_fixture.h"

namespace rotagent::testing {
namespace {

class CertzHooksTest : public CertzTest {
 protected:
  // A hook script that appends its phase, version and argv to hooks.log and exits with `rc`.
  std::string Hook(const std::string& name, int rc) {
    auto path = dir_ / name;
    std::ofstream(path)
        << "#!/bin/sh\necho \"$ROTAGENT_PHASE $ROTAGENT_VERSION $ROTAGENT_KEY_PATH $*\" >> "
        << (dir_ / "hooks.log").string() << "\nexit " << rc << "\n";
    chmod(path.c_str(), 0755);
    return path.string();
  }
};

TEST_F(CertzHooksTest, HooksRunAroundEachStepWithoutSecrets) {
  gnsi_hooks_ = "{stage: [" + Hook("stage.sh", 0) + ", reload], commit: [" + Hook("commit.sh", 0) +
                "], rollback: [" + Hook("rollback.sh", 0) + "]}";
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  std::string log = ReadText(dir_ / "hooks.log");
  const std::string key_path = (dir_ / "installed/key.pem").string();
  EXPECT_EQ(log, "stage v1 " + key_path + " reload\ncommit v1 " + key_path + " \n");
  EXPECT_EQ(log.find("PRIVATE"), std::string::npos);

  EXPECT_EQ(StageNext()->Finish().error_code(), grpc::StatusCode::ABORTED);
  log = ReadText(dir_ / "hooks.log");
  EXPECT_NE(log.find("stage v2 "), std::string::npos);
  EXPECT_NE(log.find("rollback v1 "), std::string::npos) << log;
  EXPECT_EQ(ReadText(dir_ / "installed/cert.pem"), server_a_.cert_pem);
}

TEST_F(CertzHooksTest, FailingStageHookFailsTheUploadAndChangesNothing) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  agent_->Stop();
  gnsi_hooks_ = "{stage: [" + Hook("stage-fails.sh", 3) + "]}";
  StartAgent();
  const std::string served = Served();
  auto stub = Admin();
  RotateStream s(*stub);
  EXPECT_FALSE(s.Exchange(UploadLeaf("gnsi", "v2", next_)));
  grpc::Status st = s.Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.error_message().find("stage hook: hook " + (dir_ / "stage-fails.sh").string() +
                                    " exited with status 3"),
            std::string::npos)
      << st.error_message();
  EXPECT_EQ(Served(), served);
  EXPECT_EQ(Committed("gnsi")->chain.version, "v1");
  EXPECT_EQ(ReadText(dir_ / "installed/cert.pem"), server_a_.cert_pem);
}

// The timeout bounds the hook's process, not its output: a hook that closes its output and then
// hangs is killed, with what it started, and the step fails and rolls back.
TEST_F(CertzHooksTest, HookThatClosesItsOutputAndHangsIsKilledAtTheTimeout) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  agent_->Stop();
  const auto pids = dir_ / "hang.pids";
  const auto hang = dir_ / "hang.sh";
  std::ofstream(hang) << "#!/bin/sh\nexec >/dev/null 2>&1\nsleep 600 &\necho $$ $! > "
                      << pids.string() << "\nwait\n";
  chmod(hang.c_str(), 0755);
  gnsi_hooks_ = "{stage: [" + hang.string() + "]}";
  extra_config_ = "platform: {kind: linux, hook_timeout: 2}\n";
  StartAgent();
  auto stub = Admin();
  RotateStream s(*stub);
  EXPECT_FALSE(s.Exchange(UploadLeaf("gnsi", "v2", next_)));
  grpc::Status st = s.Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << st.error_message();
  EXPECT_NE(st.error_message().find("did not finish within 2s"), std::string::npos)
      << st.error_message();
  EXPECT_EQ(ReadText(dir_ / "installed/cert.pem"), server_a_.cert_pem);
  // The hook's background child went with it (pidfd readable: it has exited; ESRCH: reaped).
  pid_t shell = 0, child = 0;
  std::ifstream(pids) >> shell >> child;
  ASSERT_GT(child, 0);
  const int fd = static_cast<int>(syscall(SYS_pidfd_open, child, 0));
  if (fd >= 0) {
    pollfd p{fd, POLLIN, 0};
    EXPECT_EQ(poll(&p, 1, 5000), 1) << "the hook's child " << child << " outlived the timeout";
    close(fd);
  } else {
    EXPECT_EQ(errno, ESRCH);
  }
}

}  // namespace
}  // namespace rotagent::testing
