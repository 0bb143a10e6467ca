// The PKI tests' main: as root, the whole process enters a mount namespace with a private /etc
// holding the test account, whose copies the agents then get.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>

#include "tests/integration/fabric/pki_fabric.h"
#include "tests/support/account_sandbox.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  namespace fs = std::filesystem;
  const fs::path scratch = fs::temp_directory_path() / ("rotagent-pki-" + std::to_string(getpid()));
  const bool sandboxed = !GTEST_FLAG_GET(list_tests);
  if (sandboxed) {
    rotagent::testing::EnterAccountSandbox(scratch);
    rotagent::testing::AddAccount(rotagent::testing::kPkiAccount, "Initial+pki+9z",
                                  scratch / "home");
  }
  const int rc = RUN_ALL_TESTS();
  if (sandboxed) {
    umount2("/etc", MNT_DETACH);
    fs::remove_all(scratch);
  }
  return rc;
}
