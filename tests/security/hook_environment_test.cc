// What an operator hook inherits from the agent: it starts as a fresh process would (empty signal
// mask, default dispositions, umask 022), sees only the documented environment and none of the
// agent's descriptors, and a controller's version cannot forge a line of that environment.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/integration/certz_fixture.h"
#include "tests/support/certz_client.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;

class HookEnvironmentTest : public CertzTest {
 protected:
  // A stage hook that records the state it was started in.
  std::string ReportingHook() {
    const fs::path path = dir_ / "report.sh";
    std::ofstream(path) << "#!/bin/sh\n"
                        << "exec > " << (dir_ / "hook-report").string()
                        << " 2>&1\n"
                        // A child's own status: the shell blocks signals while it waits.
                        << "grep -E '^Sig(Blk|Ign):' /proc/self/status\n"
                        << "echo umask $(umask)\n"
                        << "tr '\\0' '\\n' < /proc/$$/environ | sort\n"
                        << "for f in /proc/$$/fd/*; do readlink \"$f\"; done > "
                        << (dir_ / "hook-fds").string() << "\n"
                        << "exit 0\n";
    chmod(path.c_str(), 0755);
    return path.string();
  }
};

TEST_F(HookEnvironmentTest, HooksStartCleanWithOnlyTheDocumentedEnvironment) {
  gnsi_hooks_ = "{stage: [" + ReportingHook() + "]}";
  // The agent itself runs with a variable a hook must never see.
  StartAgent({{"ROTAGENT_TEST_CANARY", "agent-only"}});
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  const std::string d = dir_.string();
  EXPECT_EQ(ReadText(dir_ / "hook-report"),
            "SigBlk:\t0000000000000000\n"
            "SigIgn:\t0000000000000000\n"
            "umask 0022\n"
            "LANG=C.UTF-8\n"
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
            "ROTAGENT_CERT_PATH=" +
                d +
                "/installed/cert.pem\n"
                "ROTAGENT_CRL_PATH=\n"
                "ROTAGENT_KEY_PATH=" +
                d +
                "/installed/key.pem\n"
                "ROTAGENT_PHASE=stage\n"
                "ROTAGENT_PROFILE=gnsi\n"
                "ROTAGENT_TRUST_BUNDLE_PATH=" +
                d +
                "/installed/ca.pem\n"
                "ROTAGENT_VERSION=v1\n");
  // Only the hook's own stdin, stdout, stderr and script: no socket or log of the agent.
  const std::string fds = ReadText(dir_ / "hook-fds");
  EXPECT_EQ(fds.find("socket:"), std::string::npos) << fds;
  EXPECT_EQ(fds.find("agent.log"), std::string::npos) << fds;
  EXPECT_NE(fds.find("/dev/null"), std::string::npos) << fds;
}

TEST_F(HookEnvironmentTest, AVersionCannotForgeAnEnvironmentLine) {
  gnsi_hooks_ = "{stage: [" + ReportingHook() + "]}";
  StartAgent();
  const std::string served = Served();
  for (const std::string version : std::vector<std::string>{
           std::string("v1\nROTAGENT_PHASE=commit"), std::string("v1\rx"), std::string("v1\x1b[2J"),
           std::string(300, 'v'), std::string("v\xc3\xa9")}) {
    auto stub = Admin();
    RotateStream s(*stub);
    EXPECT_FALSE(s.Exchange(UploadLeaf("gnsi", version, server_a_)));
    grpc::Status st = s.Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
    EXPECT_NE(st.error_message().find("version"), std::string::npos) << st.error_message();
    EXPECT_EQ(st.error_message().find("ROTAGENT_PHASE=commit"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(dir_ / "hook-report"));  // no hook ran
  EXPECT_EQ(Served(), served);
  EXPECT_TRUE(fs::is_empty(dir_ / "state/journal"));
}

}  // namespace
}  // namespace rotagent::testing
