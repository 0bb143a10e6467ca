#include "common/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>

namespace rotagent {
namespace {
namespace fs = std::filesystem;

TEST(AtomicTempPath, IsRecognizableAsTheAgentsOwn) {
  const fs::path tmp = AtomicTempPath("/etc/shadow");
  EXPECT_EQ(tmp.parent_path(), "/etc");
  EXPECT_TRUE(IsAtomicTemp(tmp, "shadow")) << tmp;
  EXPECT_FALSE(IsAtomicTemp(tmp, "gshadow"));
  EXPECT_FALSE(IsAtomicTemp("/etc/shadow.tmp.12.34", "shadow"));
  EXPECT_FALSE(IsAtomicTemp("/etc/shadow-", "shadow"));
  EXPECT_FALSE(IsAtomicTemp("/etc/shadow.rotagent-tmp.", "shadow"));
  EXPECT_FALSE(IsAtomicTemp("/etc/shadow.rotagent-tmp.1.x", "shadow"));
  EXPECT_NE(AtomicTempPath("/etc/shadow"), AtomicTempPath("/etc/shadow"));
}

TEST(RemoveStaleTemps, RemovesOnlyTheAgentsTemporariesInTheWholeTree) {
  const fs::path dir = fs::temp_directory_path() / ("stale-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "journal");
  const std::vector<fs::path> stale = {AtomicTempPath(dir / "admin-state"),
                                       AtomicTempPath(dir / "journal/x.json")};
  const std::vector<fs::path> kept = {dir / "admin-state", dir / "journal/x.json",
                                      dir / "notes.tmp.1.2", dir / "a.rotagent-tmp.oops"};
  for (const auto& f : stale) std::ofstream(f) << "half";
  for (const auto& f : kept) std::ofstream(f) << "whole";
  fs::create_directory_symlink("/etc", dir / "link.rotagent-tmp.1.2");  // removed, not followed
  auto removed = RemoveStaleTemps(dir);
  ASSERT_TRUE(removed.ok()) << removed.status().message();
  EXPECT_EQ(*removed, 3);
  for (const auto& f : stale) EXPECT_FALSE(fs::exists(f)) << f;
  for (const auto& f : kept) EXPECT_TRUE(fs::exists(f)) << f;
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "link.rotagent-tmp.1.2")));
  EXPECT_TRUE(fs::exists("/etc/passwd"));
  fs::remove_all(dir);
  EXPECT_EQ(*RemoveStaleTemps(dir), 0);  // an absent dir has nothing stale
}

ino_t Inode(const fs::path& p) {
  struct stat st {};
  return lstat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

std::string Read(const fs::path& p) {
  auto text = ReadFile(p);
  return text.ok() ? *text : "<" + text.status().message() + ">";
}

fs::path FreshDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / (name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(WriteFileRecycling, ReplacesTheFileWithTwoInodesInTurn) {
  const fs::path dir = FreshDir("recycling");
  const fs::path file = dir / "ledger.json";
  fs::path spare;
  std::set<ino_t> used;
  for (int i = 0; i < 6; ++i) {
    const std::string text = i % 2 == 0 ? "version " + std::to_string(i) + " is long" : "v";
    ASSERT_TRUE(WriteFileRecycling(file, text, 0600, spare).ok());
    EXPECT_EQ(Read(file), text);
    EXPECT_EQ(fs::status(file).permissions(), fs::perms(0600));
    if (i > 0) EXPECT_TRUE(IsAtomicTemp(spare, "ledger.json")) << spare;
    used.insert(Inode(file));
  }
  EXPECT_EQ(used.size(), 2U) << "a write allocated a new file";
  fs::remove_all(dir);
}

TEST(WriteFileRecycling, NeverWritesThroughASpareThatIsNotItsOwnFile) {
  const fs::path dir = FreshDir("recycling-swap");
  const fs::path file = dir / "ledger.json";
  const fs::path victim = dir / "victim";
  fs::path spare;
  ASSERT_TRUE(WriteFileRecycling(file, "one", 0600, spare).ok());
  ASSERT_TRUE(WriteFileRecycling(file, "two", 0600, spare).ok());
  for (bool symbolic : {true, false}) {
    std::ofstream(victim) << "untouched";
    fs::remove(spare);
    if (symbolic) {
      fs::create_symlink(victim, spare);
    } else {
      fs::create_hard_link(victim, spare);
    }
    ASSERT_TRUE(WriteFileRecycling(file, symbolic ? "three" : "four", 0600, spare).ok());
    EXPECT_EQ(Read(victim), "untouched") << (symbolic ? "symlink" : "hard link");
    EXPECT_EQ(Read(file), symbolic ? "three" : "four");
    fs::remove(victim);
  }
  fs::remove_all(dir);
}

TEST(OverwriteFileUnsynced, WritesInPlaceAndRefusesOtherFiles) {
  const fs::path dir = FreshDir("overwrite");
  const fs::path file = dir / "f";
  ASSERT_TRUE(OverwriteFileUnsynced(file, "a longer first version", 0600).ok());
  const ino_t inode = Inode(file);
  ASSERT_TRUE(OverwriteFileUnsynced(file, "short", 0600).ok());
  EXPECT_EQ(Read(file), "short");
  EXPECT_EQ(Inode(file), inode);

  std::ofstream(dir / "victim") << "untouched";
  fs::create_symlink(dir / "victim", dir / "symlink");
  fs::create_hard_link(dir / "victim", dir / "hardlink");
  EXPECT_FALSE(OverwriteFileUnsynced(dir / "symlink", "x", 0600).ok());
  Status linked = OverwriteFileUnsynced(dir / "hardlink", "x", 0600);
  EXPECT_EQ(linked.code(), Code::kFailedPrecondition) << linked.message();
  EXPECT_EQ(Read(dir / "victim"), "untouched");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rotagent
