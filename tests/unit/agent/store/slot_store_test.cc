// The slot store's read of entity identities: a slot never changes once written, so its
// identities come from disk once, and garbage collection forgets what it removed.
#include "agent/store/slot_store.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace rotagent::store
