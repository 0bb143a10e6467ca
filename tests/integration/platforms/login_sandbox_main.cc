// Entry point of the platform tests that prove passwords by real SSH logins: before any thread
// exists, the process enters its own mount namespace with a private copy of /etc and creates the
// test account there, so the emulators' /etc/shadow writes never reach the host.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>

#include "tests/integration/platforms/login_account.h"
#include "tests/support/account_sandbox.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  namespace fs = std::filesystem;
  const fs::path scratch = fs::temp_directory_path() / ("rotagent-pl-" + std::to_string(getpid()));
  const bool sandboxed = !GTEST_FLAG_GET(list_tests);
  if (sandboxed) {
    rotagent::testing::EnterAccountSandbox(scratch);
    rotagent::testing::AddAccount(rotagent::testing::kLoginAccount,
                                  rotagent::testing::kLoginInitialPassword, scratch / "home");
  }
  int rc = RUN_ALL_TESTS();
  if (sandboxed) {
    umount2("/etc", MNT_DETACH);
    fs::remove_all(scratch);
  }
  return rc;
}
