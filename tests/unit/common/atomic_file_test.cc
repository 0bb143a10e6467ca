#include "common/atomic_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

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

}  // namespace
}  // namespace rotagent
