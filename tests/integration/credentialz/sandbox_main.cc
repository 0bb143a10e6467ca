// Entry point of the credentialz integration tests: before any thread exists, the process enters
// its own mount namespace with a private copy of /etc and creates the test accounts there.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>

#include "tests/integration/credentialz/credentialz_fixture.h"
#include "tests/support/account_sandbox.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  namespace fs = std::filesystem;
  const fs::path scratch = fs::temp_directory_path() / ("rotagent-cz-" + std::to_string(getpid()));
  const bool sandboxed = !GTEST_FLAG_GET(list_tests);
  if (sandboxed) {
    rotagent::testing::EnterAccountSandbox(scratch);
    for (const auto& name : rotagent::testing::kTestAccounts) {
      rotagent::testing::AddAccount(name, rotagent::testing::InitialPassword(name),
                                    scratch / "home");
    }
  }
  int rc = RUN_ALL_TESTS();
  if (sandboxed) {
    umount2("/etc", MNT_DETACH);
    fs::remove_all(scratch);
  }
  return rc;
}
