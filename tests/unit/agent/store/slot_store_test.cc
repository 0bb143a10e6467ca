// The slot store's read of entity identities: a slot never changes once written, so its
// identities come from disk once, and garbage collection forgets what it removed. And the reuse
// of retired slots: the next version is written over their files, under a new name.
#include "agent/store/slot_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "tests/support/test_dir.h"

namespace rotagent::store {
namespace {
namespace fs = std::filesystem;

class SlotStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<SlotStore>(dir_, "item");
    ASSERT_TRUE(store_->Init().ok());
    ASSERT_TRUE(store_->Create("a").ok());
  }
  static Slot Version(const std::string& v) {
    Slot s;
    s.files["f"] = v;
    s.meta["e"] = EntityMeta{v, 1, 0};
    return s;
  }

  testing::TestDir dir_{"slot-store"};
  std::unique_ptr<SlotStore> store_;
};

TEST_F(SlotStoreTest, IdentitiesAreReadOnceAndForgottenWithTheirSlot) {
  const std::string a1 = *store_->Write("a", Version("a1"));
  ASSERT_TRUE(store_->Set("a", Pointer::kCommitted, a1).ok());
  const std::string a2 = *store_->Write("a", Version("a2"));
  fs::remove(store_->SlotDir("a", a2) / "meta.json");  // what the store wrote, it knows
  auto meta = store_->ReadMeta("a", a2);
  ASSERT_TRUE(meta.ok()) << meta.status().message();
  EXPECT_EQ(meta->Meta("e").version, "a2");

  store_->CollectGarbage("a");  // a2 is named by no pointer
  EXPECT_FALSE(fs::exists(store_->SlotDir("a", a2)));
  EXPECT_FALSE(store_->ReadMeta("a", a2).ok());
  EXPECT_EQ(store_->ReadMeta("a", a1)->Meta("e").version, "a1");
}

ino_t Inode(const fs::path& p) {
  struct stat st {};
  return lstat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST_F(SlotStoreTest, ARetiredSlotIsWrittenOverUnderANewName) {
  Slot first = Version("a1");
  first.files["only-in-a1"] = "x";
  const std::string a1 = *store_->Write("a", first);
  const ino_t dir = Inode(store_->SlotDir("a", a1));
  const ino_t file = Inode(store_->SlotDir("a", a1) / "f");
  store_->Retire("a", a1);

  auto a2 = store_->WriteUnpublished("a", Version("a2-longer"));
  ASSERT_TRUE(a2.ok()) << a2.status().message();
  ASSERT_TRUE(store_->Publish(*a2).ok());
  EXPECT_FALSE(fs::exists(store_->SlotDir("a", a1)));
  EXPECT_FALSE(store_->ReadMeta("a", a1).ok()) << "the retired slot's identities are forgotten";
  EXPECT_EQ(Inode(store_->SlotDir("a", a2->name)), dir) << "the directory was not reused";
  EXPECT_EQ(Inode(store_->SlotDir("a", a2->name) / "f"), file) << "the file was not reused";
  auto read = store_->Read("a", a2->name);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->files, (std::map<std::string, std::string>{{"f", "a2-longer"}}));
  EXPECT_EQ(read->Meta("e").version, "a2-longer");
  EXPECT_EQ(fs::status(store_->SlotDir("a", a2->name) / "f").permissions(), fs::perms(0600));

  // Shorter than what the file held: nothing of the longer version is left past its end.
  auto a3 = store_->WriteUnpublished("a", Version("a3"));
  ASSERT_TRUE(a3.ok() && store_->Publish(*a3).ok());
  EXPECT_EQ(store_->Read("a", a3->name)->files.at("f"), "a3");
}

TEST_F(SlotStoreTest, OnlySlotsNoPointerNamesAreRetiredAndOneIsKept) {
  const std::string a1 = *store_->Write("a", Version("a1"));
  ASSERT_TRUE(store_->Set("a", Pointer::kCommitted, a1).ok());
  store_->Retire("a", a1);
  EXPECT_TRUE(fs::exists(store_->SlotDir("a", a1)));
  auto a2 = store_->WriteUnpublished("a", Version("a2"));
  ASSERT_TRUE(a2.ok() && store_->Publish(*a2).ok());
  EXPECT_TRUE(store_->Read("a", a1).ok()) << "a committed slot was taken over";

  std::vector<std::string> retired;
  for (const char* v : {"r0", "r1", "r2"}) retired.push_back(*store_->Write("a", Version(v)));
  for (const auto& r : retired) store_->Retire("a", r);
  int left = 0;
  for (const auto& r : retired) left += fs::exists(store_->SlotDir("a", r)) ? 1 : 0;
  EXPECT_EQ(left, 1) << "retired slots beyond the one kept are removed";

  store_->CollectGarbage("a");  // the spares are unnamed slots like any other
  for (const auto& r : retired) EXPECT_FALSE(fs::exists(store_->SlotDir("a", r)));
  auto fresh = store_->WriteUnpublished("a", Version("a3"));
  ASSERT_TRUE(fresh.ok()) << fresh.status().message();
  ASSERT_TRUE(store_->Publish(*fresh).ok());
  EXPECT_EQ(store_->Read("a", fresh->name)->files.at("f"), "a3");
}

}  // namespace
}  // namespace rotagent::store
