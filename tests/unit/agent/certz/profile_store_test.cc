#include "agent/certz/profile_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <type_traits>

#include "agent/certz/upload.h"
#include "tests/support/test_dir.h"

namespace rotagent::certz {
namespace {
namespace fs = std::filesystem;

// A profile's key is a Secret: the material that holds it (and an upload carrying one) cannot be
// copied by accident, only moved or Clone()d, and the key is cleansed when its holder goes.
static_assert(!std::is_copy_constructible_v<ProfileMaterial> &&
              !std::is_copy_assignable_v<ProfileMaterial>);
static_assert(std::is_nothrow_move_constructible_v<ProfileMaterial>);
static_assert(std::is_same_v<decltype(ProfileMaterial::key_pem), Secret>);
static_assert(!std::is_copy_constructible_v<EntityUpload> &&
              !std::is_copy_assignable_v<EntityUpload>);
static_assert(std::is_same_v<decltype(KeyBlob::data), Secret>);

class ProfileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<ProfileStore>(dir_);
    ASSERT_TRUE(store_->Init().ok());
  }
  ProfileMaterial Sample(const std::string& version) {
    ProfileMaterial m;
    m.chain_pem = "chain-" + version;
    m.key_pem = Secret("key-" + version);
    m.trust_pem = "trust";
    m.chain = {version, 7, 100};
    return m;
  }
  testing::TestDir dir_{"store"};
  std::unique_ptr<ProfileStore> store_;
};

TEST_F(ProfileStoreTest, SlotsRoundTripWithSecretModes) {
  ASSERT_TRUE(store_->Create("p").ok());
  auto slot = store_->WriteSlot("p", Sample("v1"));
  ASSERT_TRUE(slot.ok());
  auto m = store_->ReadSlot("p", *slot);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->chain, (EntityMeta{"v1", 7, 100}));
  EXPECT_EQ(m->key_pem.reveal(), "key-v1");
  struct stat st {};
  ASSERT_EQ(stat((store_->SlotDir("p", *slot) / "key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(store_->SlotDir("p", *slot).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(ProfileStoreTest, PointersSwitchAtomicallyAndGarbageIsCollected) {
  ASSERT_TRUE(store_->Create("p").ok());
  EXPECT_FALSE(store_->Committed("p"));
  auto s1 = store_->WriteSlot("p", Sample("v1"));
  auto s2 = store_->WriteSlot("p", Sample("v2"));
  ASSERT_TRUE(s1.ok() && s2.ok());
  EXPECT_NE(*s1, *s2);
  ASSERT_TRUE(store_->Set("p", Pointer::kCommitted, *s1).ok());
  ASSERT_TRUE(store_->Set("p", Pointer::kLive, *s2).ok());
  EXPECT_EQ(store_->Committed("p")->chain.version, "v1");
  auto orphan = store_->WriteSlot("p", Sample("v3"));
  fs::create_directories(dir_ / "profiles/p/slots/.tmp-unfinished");
  store_->CollectGarbage("p");
  EXPECT_TRUE(fs::exists(store_->SlotDir("p", *s1)));
  EXPECT_TRUE(fs::exists(store_->SlotDir("p", *s2)));
  EXPECT_FALSE(fs::exists(store_->SlotDir("p", *orphan)));
  EXPECT_FALSE(fs::exists(dir_ / "profiles/p/slots/.tmp-unfinished"));
}

TEST_F(ProfileStoreTest, CloneIsTheOneWayToCopyMaterialAndCopiesEveryField) {
  ProfileMaterial m = Sample("v1");
  m.crl_pem = "crl";
  m.policy = "policy";
  m.trust = {"t1", 8, 101};
  m.crl = {"c1", 9, 102};
  m.auth_policy = {"a1", 10, 103};
  const ProfileMaterial c = m.Clone();
  EXPECT_EQ(c.chain_pem, m.chain_pem);
  EXPECT_EQ(c.key_pem.reveal(), "key-v1");
  EXPECT_EQ(m.key_pem.reveal(), "key-v1");  // the source keeps its own
  EXPECT_EQ(c.trust_pem, m.trust_pem);
  EXPECT_EQ(c.crl_pem, m.crl_pem);
  EXPECT_EQ(c.policy, m.policy);
  EXPECT_EQ(c.chain, m.chain);
  EXPECT_EQ(c.trust, m.trust);
  EXPECT_EQ(c.crl, m.crl);
  EXPECT_EQ(c.auth_policy, m.auth_policy);
}

TEST_F(ProfileStoreTest, MovingMaterialTakesTheKeyAndLeavesNoneBehind) {
  ProfileMaterial m = Sample("v1");
  ProfileMaterial taken = std::move(m);
  EXPECT_EQ(taken.key_pem.reveal(), "key-v1");
  EXPECT_TRUE(m.key_pem.empty());  // NOLINT(bugprone-use-after-move): what a move leaves
}

TEST_F(ProfileStoreTest, ProfileIdsAreSafeNames) {
  EXPECT_EQ(ProfileStore::CheckProfileId("").code(), Code::kInvalidArgument);
  EXPECT_EQ(ProfileStore::CheckProfileId("../x").code(), Code::kInvalidArgument);
  EXPECT_EQ(ProfileStore::CheckProfileId(".hidden").code(), Code::kInvalidArgument);
  EXPECT_TRUE(ProfileStore::CheckProfileId("gnxi-1.a_b").ok());
  ASSERT_TRUE(store_->Create("x").ok());
  EXPECT_EQ(store_->Create("x").code(), Code::kAlreadyExists);
  ASSERT_TRUE(store_->Remove("x").ok());
  EXPECT_EQ(store_->Remove("x").code(), Code::kNotFound);
  EXPECT_TRUE(store_->List().empty());
}

}  // namespace
}  // namespace rotagent::certz
