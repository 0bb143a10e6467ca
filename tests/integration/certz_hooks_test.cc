// Linux adapter hooks: run around each step with facts in the environment, never secrets; a
// failing hook fails the step and rolls it back.
#include <gtest/gtest.h>
#include <sys/stat.h>

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

}  // namespace
}  // namespace rotagent::testing
