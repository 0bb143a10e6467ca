// Entry point of the local-user attack tests. Before any thread exists, the process enters its own
// mount namespace with a private copy of /etc and a tmpfs over /home, and creates the credentialz
// test accounts there; each account owns its home, so it can play the attacker. ctest runs every
// test as its own process, so every test gets a fresh namespace.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "tests/integration/credentialz/credentialz_fixture.h"
#include "tests/support/account_sandbox.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  namespace fs = std::filesystem;
  const fs::path scratch = fs::temp_directory_path() / ("rotagent-sec-" + std::to_string(getpid()));
  const bool sandboxed = !GTEST_FLAG_GET(list_tests);
  if (sandboxed) {
    rotagent::testing::EnterAccountSandbox(scratch);
    if (mount("tmpfs", "/home", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) {
      throw std::runtime_error("cannot mount a tmpfs over /home");
    }
    for (const auto& name : rotagent::testing::kTestAccounts) {
      rotagent::testing::AddAccount(name, rotagent::testing::InitialPassword(name), "/home");
    }
  }
  int rc = RUN_ALL_TESTS();
  if (sandboxed) {
    umount2("/home", MNT_DETACH);
    umount2("/etc", MNT_DETACH);
    fs::remove_all(scratch);
  }
  return rc;
}
