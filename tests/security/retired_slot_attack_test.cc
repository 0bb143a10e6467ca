// A rotation keeps the slot it replaced for the next rotation to write over in place
// (store::SlotStore::Retire). Whoever manages to swap that retired slot's directory or one of its
// files for a link to another file must not make the agent write through the link: the next
// rotation writes a new slot instead, and the other file stays as it was.
#include <sys/stat.h>

#include <fstream>

#include "common/atomic_file.h"
#include "tests/security/attack_helpers.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;

class RetiredSlotAttackTest : public AttackTest {
 protected:
  fs::path Slots() const { return dir_ / "state" / "profiles" / "gnsi" / "slots"; }

  // The one slot of gnsi that neither pointer names: the retired one.
  fs::path Retired() const {
    std::vector<fs::path> out;
    const fs::path item = Slots().parent_path();
    const auto committed = fs::read_symlink(item / "committed").filename();
    const auto live = fs::read_symlink(item / "live").filename();
    for (const auto& e : fs::directory_iterator(Slots())) {
      const auto name = e.path().filename();
      if (name != committed && name != live) out.push_back(e.path());
    }
    EXPECT_EQ(out.size(), 1U) << "expected exactly one retired slot";
    return out.empty() ? fs::path() : out.front();
  }

  fs::path CommittedSlot() const {
    const fs::path item = Slots().parent_path();
    return Slots() / fs::read_symlink(item / "committed").filename();
  }

  static ino_t Inode(const fs::path& p) {
    struct stat st {};
    return lstat(p.c_str(), &st) == 0 ? st.st_ino : 0;
  }

  // A file of someone else's that the attack points the agent at.
  fs::path Victim(const std::string& name) const {
    fs::path v = dir_ / name;
    std::ofstream(v) << "untouched";
    return v;
  }

  static std::string Text(const fs::path& p) {
    auto t = ReadFile(p);
    return t.ok() ? *t : "<" + t.status().message() + ">";
  }
  // Compared, not printed: what was written through would be a private key.
  static bool Untouched(const fs::path& p) { return Text(p) == "untouched"; }

  // The committed slot holds `who`'s key and chain as single-link regular files of its own.
  void ExpectCommittedHolds(const Identity& who) const {
    const fs::path slot = CommittedSlot();
    for (const char* f : {"key.pem", "chain.pem"}) {
      struct stat st {};
      ASSERT_EQ(lstat((slot / f).c_str(), &st), 0) << f;
      EXPECT_TRUE(S_ISREG(st.st_mode)) << f;
      EXPECT_EQ(st.st_nlink, 1U) << f;
    }
    EXPECT_NE(Text(slot / "chain.pem").find(who.cert_pem), std::string::npos);
    EXPECT_EQ(Served(), Fingerprint(who.cert_pem));
  }
};

TEST_F(RetiredSlotAttackTest, LinksInARetiredSlotAreNeverWrittenThrough) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  RotateGnsi(next_, {trust_pem_}, "v2");

  // Untouched, the retired slot's directory is what the next rotation writes into.
  const ino_t retired = Inode(Retired());
  RotateGnsi(server_a_, {trust_pem_}, "v3");
  ASSERT_EQ(Inode(CommittedSlot()), retired) << "the retired slot was not reused";
  ExpectCommittedHolds(server_a_);

  // Its key swapped for a hard link to another file: the link count gives it away.
  const fs::path hard = Victim("victim-hard");
  fs::remove(Retired() / "key.pem");
  fs::create_hard_link(hard, Retired() / "key.pem");
  RotateGnsi(next_, {trust_pem_}, "v4");
  EXPECT_TRUE(Untouched(hard)) << "written through a hard link";
  ExpectCommittedHolds(next_);

  // Its chain swapped for a symlink: never followed.
  const fs::path soft = Victim("victim-soft");
  fs::remove(Retired() / "chain.pem");
  fs::create_symlink(soft, Retired() / "chain.pem");
  RotateGnsi(server_a_, {trust_pem_}, "v5");
  EXPECT_TRUE(Untouched(soft)) << "written through a symlink";
  ExpectCommittedHolds(server_a_);

  // The whole directory swapped for a symlink to another directory: never written into.
  const fs::path elsewhere = dir_ / "victim-dir";
  fs::create_directory(elsewhere);
  for (const char* f : {"key.pem", "chain.pem", "trust.pem", "meta.json"}) {
    std::ofstream(elsewhere / f) << "untouched";
  }
  const fs::path dir = Retired();
  fs::remove_all(dir);
  fs::create_directory_symlink(elsewhere, dir);
  RotateGnsi(next_, {trust_pem_}, "v6");
  for (const char* f : {"key.pem", "chain.pem", "trust.pem", "meta.json"}) {
    EXPECT_TRUE(Untouched(elsewhere / f)) << "written through a directory symlink: " << f;
  }
  ExpectCommittedHolds(next_);
}

}  // namespace
}  // namespace rotagent::testing
