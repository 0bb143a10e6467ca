// The fd-walking primitives against hostile layouts (runs as root: it makes files owned by other
// users).
#include "common/safe_path.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace rotagent {
namespace {
namespace fs = std::filesystem;

constexpr uid_t kAccount = 65534;
constexpr uid_t kStranger = 65533;

std::string Slurp(const fs::path& p) {
  std::stringstream ss;
  ss << std::ifstream(p).rdbuf();
  return ss.str();
}

class SafePathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    base_ = fs::temp_directory_path() / ("safe-path-" + std::to_string(getpid()));
    fs::remove_all(base_);
    Dir(base_, 0755, 0);
    secret_ = base_ / "secret";
    std::ofstream(secret_) << "root only\n";
    chmod(secret_.c_str(), 0600);
    home_ = base_ / "home";
    Dir(home_, 0700, kAccount);
    account_ = {kAccount, kAccount, "acct", home_};
  }
  void TearDown() override {
    if (!base_.empty()) fs::remove_all(base_);
  }
  static void Dir(const fs::path& p, mode_t mode, uid_t uid) {
    ASSERT_EQ(mkdir(p.c_str(), mode), 0) << p;
    ASSERT_EQ(chmod(p.c_str(), mode), 0);
    ASSERT_EQ(chown(p.c_str(), uid, uid), 0);
  }
  static void ExpectRefused(const Status& s, const std::string& what) {
    EXPECT_EQ(s.code(), Code::kFailedPrecondition) << s.message();
    EXPECT_NE(s.message().find(what), std::string::npos) << s.message();
  }
  // Read, write and remove of `file` all refused naming `what`; the secret is untouched.
  void ExpectAllRefused(const fs::path& file, const std::string& what, const PathOwner& o) {
    ExpectRefused(SafeReadFile(file, o).status(), what);
    ExpectRefused(SafeWriteFile(file, "new\n", 0600, kAccount, kAccount, o), what);
    ExpectRefused(SafeRemoveFile(file, o), what);
    EXPECT_EQ(Slurp(secret_), "root only\n");
    struct stat st {};
    ASSERT_EQ(stat(secret_.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 0u);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
  }

  fs::path base_, secret_, home_;
  PathOwner account_;
};

TEST_F(SafePathTest, WritesReadsAndRemovesWithExactOwnerAndMode) {
  const fs::path f = base_ / "made" / "deeper" / "file";
  ASSERT_TRUE(SafeWriteFile(f, "one\n", 0644, 0, 0).ok());
  auto back = SafeReadFile(f);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(**back, "one\n");
  struct stat st {};
  ASSERT_EQ(stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_EQ(st.st_uid, 0u);
  ASSERT_EQ(stat((base_ / "made").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);  // made for root: 0755 despite any umask
  ASSERT_TRUE(SafeWriteFile(f, "two\n", 0644, 0, 0).ok());
  EXPECT_EQ(Slurp(f), "two\n");
  EXPECT_EQ(fs::directory_iterator(f.parent_path())->path(), f);  // no temporary file left
  ASSERT_TRUE(SafeRemoveFile(f).ok());
  EXPECT_FALSE(fs::exists(f));
  EXPECT_TRUE(SafeRemoveFile(f).ok());  // absent already
  auto absent = SafeReadFile(base_ / "missing" / "file");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
}

TEST_F(SafePathTest, DirectoriesMadeBelowTheAccountRootAreTheAccounts) {
  const fs::path f = home_ / ".ssh" / "authorized_keys";
  ASSERT_TRUE(SafeWriteFile(f, "key\n", 0600, kAccount, kAccount, account_).ok());
  struct stat st {};
  ASSERT_EQ(stat((home_ / ".ssh").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kAccount);
  EXPECT_EQ(st.st_gid, kAccount);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kAccount);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(SafePathTest, SymlinkInAnyComponentIsRefusedByName) {
  Dir(base_ / "real", 0755, 0);
  fs::create_directory_symlink(base_ / "real", base_ / "link");
  ExpectAllRefused(base_ / "link" / "file", (base_ / "link").string() + " is a symlink", {});
  EXPECT_TRUE(fs::is_empty(base_ / "real"));
  // Where a directory would be created, too.
  ExpectRefused(SafeWriteFile(base_ / "link" / "sub" / "file", "x", 0644, 0, 0),
                (base_ / "link").string() + " is a symlink");
  // The account's own symlink to a root directory.
  fs::create_directory_symlink(base_, home_ / ".ssh");
  lchown((home_ / ".ssh").c_str(), kAccount, kAccount);
  ExpectAllRefused(home_ / ".ssh" / "secret", (home_ / ".ssh").string() + " is a symlink",
                   account_);
}

TEST_F(SafePathTest, UnsafeFilesAreRefusedByName) {
  Dir(home_ / ".ssh", 0700, kAccount);
  const fs::path f = home_ / ".ssh" / "authorized_keys";
  fs::create_symlink(secret_, f);
  ExpectAllRefused(f, f.string() + " is a symlink", account_);
  fs::remove(f);
  ASSERT_EQ(link(secret_.c_str(), f.c_str()), 0);
  ExpectAllRefused(f, f.string() + " has 2 hard links", account_);
  fs::remove(f);
  ASSERT_EQ(mkfifo(f.c_str(), 0600), 0);
  ExpectAllRefused(f, f.string() + " is a FIFO, not a regular file", account_);  // never hangs
  fs::remove(f);
  ASSERT_EQ(mkdir(f.c_str(), 0700), 0);
  ExpectAllRefused(f, f.string() + " is a directory where a file should be", account_);
}

TEST_F(SafePathTest, DirectoryOwnershipRule) {
  const fs::path f = "file";
  // Someone else's directory.
  Dir(base_ / "stranger", 0755, kStranger);
  ExpectAllRefused(base_ / "stranger" / f, "is owned by uid 65533, not by root or account 'acct'",
                   account_);
  // Root's, but writable by others and not sticky.
  Dir(base_ / "open", 0777, 0);
  ExpectAllRefused(
      base_ / "open" / f,
      (base_ / "open").string() + " is writable by group or others (mode 0777) and not sticky", {});
  // Sticky, like /tmp: accepted.
  Dir(base_ / "sticky", 01777, 0);
  EXPECT_TRUE(SafeWriteFile(base_ / "sticky" / f, "x", 0644, 0, 0).ok());
  // The account's directories are fine for the account, not for a root-only path.
  EXPECT_TRUE(SafeWriteFile(home_ / f, "x", 0600, kAccount, kAccount, account_).ok());
  ExpectRefused(SafeReadFile(home_ / f).status(), "is owned by uid 65534, not by root");
  // A group-writable directory of the account.
  Dir(home_ / "shared", 0770, kAccount);
  ExpectAllRefused(home_ / "shared" / f, "is writable by group or others (mode 0770)", account_);
  // A root directory inside the account's part of the tree.
  Dir(home_ / "rootdir", 0755, 0);
  ExpectAllRefused(home_ / "rootdir" / f,
                   (home_ / "rootdir").string() + " belongs to root but lies inside", account_);
}

TEST_F(SafePathTest, OnlyAbsolutePathsWithoutDotDot) {
  ExpectRefused(SafeWriteFile("relative/file", "x", 0644, 0, 0), "not an absolute path");
  ExpectRefused(SafeReadFile(base_ / ".." / "etc" / "passwd").status(), "without '.' or '..'");
  ExpectRefused(SafeRemoveFile(base_ / ""), "not an absolute path to a file");
}

}  // namespace
}  // namespace rotagent
