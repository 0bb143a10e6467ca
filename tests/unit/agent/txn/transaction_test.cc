#include "agent/txn/transaction.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "tests/support/test_dir.h"

namespace rotagent::txn {
namespace {
namespace fs = std::filesystem;

// Records what the box would hold per item; can be told to fail staging.
class FakeBox : public Applier {
 public:
  Status Stage(const std::string& id, const std::string& slot) override {
    if (fail_stage) return Internal("stage refused");
    held[id] = slot;
    return Status::Ok();
  }
  Status Commit(const std::string& /*id*/, const std::string& /*slot*/) override {
    ++commits;
    return Status::Ok();
  }
  Status Restore(const std::string& id, const std::string& slot) override {
    held[id] = slot;
    return Status::Ok();
  }
  // The preview: what it showed, whether it fails, and what was withdrawn.
  std::future<Status> Preview(const std::string& id, const std::string& slot,
                              const store::Slot& /*candidate*/) override {
    previewed[id] = slot;
    return Ready(fail_preview ? Unavailable("not seen") : Status::Ok());
  }
  void Withdraw(const std::string& id) override { withdrawn.push_back(id); }
  std::map<std::string, std::string> held, previewed;
  std::vector<std::string> withdrawn;
  int commits = 0;
  bool fail_stage = false;
  bool fail_preview = false;
};

// Records what the transaction tells observers.
class RecordingObserver : public Observer {
 public:
  void Staged(const std::string& /*domain*/, const std::string& id,
              const std::map<std::string, store::EntityMeta>& /*changed*/) override {
    events.push_back("staged " + id);
  }
  void Committed(const std::string& /*domain*/, const std::string& id) override {
    events.push_back("committed " + id);
  }
  void RolledBack(const std::string& /*domain*/, const std::string& id,
                  const std::string& /*reason*/) override {
    events.push_back("rolled back " + id);
  }
  std::vector<std::string> events;
};

// A box whose restore fails while `fail_restore` is set.
class FlakyRestoreBox : public FakeBox {
 public:
  Status Restore(const std::string& id, const std::string& slot) override {
    if (fail_restore) return Internal("restore refused");
    return FakeBox::Restore(id, slot);
  }
  bool fail_restore = false;
};

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<store::SlotStore>(dir_ / "items", "item");
    journal_ = std::make_unique<store::Journal>(dir_ / "journal");
    ASSERT_TRUE(store_->Init().ok() && journal_->Init().ok());
    ASSERT_TRUE(store_->Create("a").ok() && store_->Create("b").ok());
    domains_["d"] = {store_.get(), &box_};
  }
  store::Slot Version(const std::string& v) {
    store::Slot s;
    s.files = {{"f", v}};
    s.meta = {{"e", {v, 1, 0}}};
    return s;
  }
  std::string Committed(const std::string& id) {
    auto s = store_->Committed(id);
    return s ? *s->File("f") : "";
  }
  // How many slots item "a" holds on disk.
  auto Slots() const { return std::distance(fs::directory_iterator(dir_ / "items/a/slots"), {}); }

  testing::TestDir dir_{"txn"};
  std::unique_ptr<store::SlotStore> store_;
  std::unique_ptr<store::Journal> journal_;
  FlakyRestoreBox box_;
  Domains domains_;
};

TEST_F(TransactionTest, CommitSwitchesEveryItemTogether) {
  Transaction t(*journal_, domains_, "svc");
  ASSERT_TRUE(t.Stage("d", "a", Version("a1")).ok());
  ASSERT_TRUE(t.Stage("d", "b", Version("b1")).ok());
  EXPECT_EQ(Committed("a"), "");
  ASSERT_TRUE(t.Commit().ok());
  EXPECT_EQ(Committed("a"), "a1");
  EXPECT_EQ(Committed("b"), "b1");
  EXPECT_EQ(box_.commits, 2);
  // The entry goes once the closer has run (after the client's answer).
  EXPECT_EQ(journal_->List().size(), 1u);
  t.Closer()();
  EXPECT_TRUE(journal_->List().empty());
}

// The journal entry goes first; the replaced slots are retired after it, and only those: a slot
// written meanwhile by the next transaction stays, and later stages write over retired ones.
TEST_F(TransactionTest, TheCollectorRetiresOnlyTheSlotsTheCommitReplaced) {
  {
    Transaction t(*journal_, domains_, "svc");
    ASSERT_TRUE(t.Stage("d", "a", Version("a1")).ok());
    ASSERT_TRUE(t.Commit().ok());
  }
  Transaction t(*journal_, domains_, "svc");
  ASSERT_TRUE(t.Stage("d", "a", Version("a2")).ok());
  ASSERT_TRUE(t.Stage("d", "a", Version("a3")).ok());  // supersedes a2's slot
  ASSERT_TRUE(t.Commit().ok());
  EXPECT_EQ(Slots(), 3);
  auto collect = t.Collector();
  t.Closer()();
  EXPECT_TRUE(journal_->List().empty());
  EXPECT_EQ(Slots(), 3);
  Transaction next(*journal_, domains_, "svc");
  ASSERT_TRUE(next.Stage("d", "a", Version("a4")).ok());  // the next one's candidate
  collect();
  EXPECT_EQ(Slots(), 3);  // a2's retired (a1's removed), a3 (committed) and a4 (staged)
  // A later stage writes over the retired slot, and over nothing a pointer names.
  ASSERT_TRUE(next.Stage("d", "a", Version("a5")).ok());
  EXPECT_EQ(Slots(), 3);
  EXPECT_EQ(Committed("a"), "a3");
  ASSERT_TRUE(next.Commit().ok());
  EXPECT_EQ(Committed("a"), "a5");
}

// A commit whose flush failed may not be on disk: its entry and the old slot stay for the next
// start, which rolls it forward.
TEST_F(TransactionTest, ACommitWhoseFlushFailedKeepsItsEntryAndOldSlotForTheNextStart) {
  {
    Transaction t(*journal_, domains_, "svc");
    ASSERT_TRUE(t.Stage("d", "a", Version("a1")).ok());
    ASSERT_TRUE(t.Commit().ok());
    t.Closer()();
  }
  {
    Transaction t(*journal_, domains_, "svc");
    ASSERT_TRUE(t.Stage("d", "a", Version("a2")).ok());
    fs::rename(dir_ / "journal", dir_ / "journal.away");  // the flush cannot open it
    EXPECT_FALSE(t.Commit().ok());
    fs::rename(dir_ / "journal.away", dir_ / "journal");
    t.Closer()();
  }
  EXPECT_EQ(journal_->List().size(), 1u);
  EXPECT_EQ(Slots(), 2);
  ASSERT_TRUE(Recover(*journal_, domains_).ok());
  EXPECT_EQ(Committed("a"), "a2");
  EXPECT_TRUE(journal_->List().empty());
  EXPECT_EQ(Slots(), 1);
}

// A commit of several items that could not move every pointer past its committing record keeps
// its journal entry, after the answer too, and the next start finishes it.
TEST_F(TransactionTest, ACommitThatMovedNotEveryPointerKeepsItsEntryForTheNextStart) {
  {
    Transaction t(*journal_, domains_, "svc");
    ASSERT_TRUE(t.Stage("d", "a", Version("a1")).ok());
    ASSERT_TRUE(t.Stage("d", "b", Version("b1")).ok());
    fs::create_directories(dir_ / "items/b/committed/in-the-way");
    EXPECT_FALSE(t.Commit().ok());
    t.Closer()();
  }
  EXPECT_EQ(journal_->List().size(), 1u);
  fs::remove_all(dir_ / "items/b/committed");
  ASSERT_TRUE(Recover(*journal_, domains_).ok());
  EXPECT_EQ(Committed("a"), "a1");
  EXPECT_EQ(Committed("b"), "b1");
  EXPECT_TRUE(journal_->List().empty());
}

TEST_F(TransactionTest, DestroyingAnOpenTransactionRestoresEveryItem) {
  {
    Transaction t(*journal_, domains_, "svc");
    ASSERT_TRUE(t.Stage("d", "a", Version("a1")).ok());
    ASSERT_TRUE(t.Commit().ok());
  }
  const std::string a1 = *store_->Get("a", store::Pointer::kCommitted);
  {
    Transaction t(*journal_, domains_, "svc");
    ASSERT_TRUE(t.Stage("d", "a", Version("a2")).ok());
    ASSERT_TRUE(t.Stage("d", "b", Version("b2")).ok());
  }
  EXPECT_EQ(box_.held["a"], a1);
  EXPECT_EQ(box_.held["b"], "");
  EXPECT_EQ(store_->Get("a", store::Pointer::kLive), a1);
  EXPECT_FALSE(store_->Get("b", store::Pointer::kLive));
  EXPECT_TRUE(journal_->List().empty());
}

TEST_F(TransactionTest, AFailedStageRollsBackWhatWasStagedBefore) {
  Transaction t(*journal_, domains_, "svc");
  ASSERT_TRUE(t.Stage("d", "a", Version("a1")).ok());
  box_.fail_stage = true;
  Status s = t.Stage("d", "b", Version("b1"));
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_TRUE(t.finished());
  EXPECT_EQ(box_.held["a"], "");
  EXPECT_TRUE(journal_->List().empty());
}

// A journal entry that cannot be written stops the stage before anything refers to the new slot:
// nothing changes, and the slot's files do not stay behind.
TEST_F(TransactionTest, AJournalThatCannotBeWrittenChangesNothingAndLeavesNoSlot) {
  fs::remove_all(dir_ / "journal");
  std::ofstream(dir_ / "journal") << "not a directory";
  Transaction t(*journal_, domains_, "svc");
  Status s = t.Stage("d", "a", Version("a1"));
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_TRUE(t.finished());
  EXPECT_FALSE(store_->Get("a", store::Pointer::kLive));
  EXPECT_EQ(box_.held.count("a"), 0u);
  EXPECT_TRUE(fs::is_empty(dir_ / "items/a/slots"));
}

// The first stage waits for what it was told to (an earlier rotation's clean-up) before any
// change, and only the first; a refusal changes nothing and finishes the transaction.
TEST_F(TransactionTest, TheFirstStageWaitsForItsReadinessAndARefusalChangesNothing) {
  {
    Transaction t(*journal_, domains_, "svc");
    int asked = 0;
    t.WaitBeforeChanges([&asked, this] {
      ++asked;
      EXPECT_TRUE(fs::is_empty(dir_ / "items/a/slots")) << "a slot was written before readiness";
      return Status::Ok();
    });
    ASSERT_TRUE(t.Stage("d", "a", Version("a1")).ok());
    ASSERT_TRUE(t.Stage("d", "b", Version("b1")).ok());
    EXPECT_EQ(asked, 1);
  }
  Transaction t(*journal_, domains_, "svc");
  t.WaitBeforeChanges([] { return Status(Code::kUnavailable, "still cleaning"); });
  Status s = t.Stage("d", "a", Version("a2"));
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_TRUE(t.finished());
  EXPECT_FALSE(store_->Get("a", store::Pointer::kLive));
  EXPECT_TRUE(fs::is_empty(dir_ / "items/a/slots"));
  EXPECT_TRUE(journal_->List().empty());
}

TEST_F(TransactionTest, RecoveryRollsBackOpenEntriesAndForwardDecidedOnes) {
  const std::string a1 = *store_->Write("a", Version("a1"));
  const std::string b1 = *store_->Write("b", Version("b1"));
  ASSERT_TRUE(store_->Set("a", store::Pointer::kLive, a1).ok());
  ASSERT_TRUE(store_->Set("b", store::Pointer::kLive, b1).ok());
  ASSERT_TRUE(journal_->Write({"open", {{"d", "a", "", a1}}, false}).ok());
  ASSERT_TRUE(journal_->Write({"decided", {{"d", "b", "", b1}}, true}).ok());
  ASSERT_TRUE(Recover(*journal_, domains_).ok());
  EXPECT_FALSE(store_->Get("a", store::Pointer::kLive));
  EXPECT_EQ(box_.held["a"], "");
  EXPECT_EQ(Committed("b"), "b1");
  EXPECT_EQ(box_.held["b"], b1);
  EXPECT_TRUE(journal_->List().empty());
}

// A stage publishes its slot and its entry's first write, then flushes both once. What a power
// cut before that flush can leave: the slot's name, and the entry's name without its bytes
// (empty, or zeros). Nothing else had changed, so the next start removes both and keeps the rest.
TEST_F(TransactionTest, AnEntryCutShortBeforeItsFirstFlushIsRemovedWithItsSlot) {
  const std::string a1 = *store_->Write("a", Version("a1"));
  ASSERT_TRUE(store_->Set("a", store::Pointer::kCommitted, a1).ok());
  ASSERT_TRUE(store_->Set("a", store::Pointer::kLive, a1).ok());
  box_.held["a"] = a1;
  const std::string a2 = *store_->Write("a", Version("a2"));  // published, named by nothing
  std::ofstream(dir_ / "journal/svc.1.1.json");               // empty
  std::ofstream(dir_ / "journal/svc.2.2.json") << std::string(64, '\0');
  std::ofstream(dir_ / "journal/svc.3.3.json") << "{\"name\": ";  // not the agent's writing
  std::ofstream(dir_ / "journal/svc.4.4.json")  // another entry's bytes under this name
      << R"({"name": "svc.0.0", "committing": true, "items": [{"domain": "d", "id": "a",)"
      << R"( "previous": ")" << a1 << R"(", "candidate": ")" << a2 << R"("}]})";

  ASSERT_TRUE(Recover(*journal_, domains_).ok());
  EXPECT_FALSE(fs::exists(dir_ / "journal/svc.1.1.json"));
  EXPECT_FALSE(fs::exists(dir_ / "journal/svc.2.2.json"));
  EXPECT_TRUE(fs::exists(dir_ / "journal/svc.3.3.json"));  // left for a person to look at
  EXPECT_TRUE(fs::exists(dir_ / "journal/svc.4.4.json"));
  EXPECT_FALSE(fs::exists(store_->SlotDir("a", a2)));
  EXPECT_EQ(Committed("a"), "a1");
  EXPECT_EQ(store_->Get("a", store::Pointer::kLive), a1);
  EXPECT_EQ(box_.held["a"], a1);
}

TEST_F(TransactionTest, EveryTransactionHasItsOwnEntryAndRecoveryGoesOldestFirst) {
  auto first = std::make_unique<Transaction>(*journal_, domains_, "svc");
  ASSERT_TRUE(first->Stage("d", "a", Version("a1")).ok());
  Transaction second(*journal_, domains_, "svc");
  ASSERT_TRUE(second.Stage("d", "b", Version("b1")).ok());
  const auto entries = journal_->List();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_NE(entries[0].name, entries[1].name);
  EXPECT_EQ(entries[0].name.rfind("svc.", 0), 0u);
  EXPECT_LE(entries[0].opened_ns, entries[1].opened_ns);
  EXPECT_EQ(entries[0].items[0].id, "a");  // oldest first
  EXPECT_EQ(entries[1].items[0].id, "b");
}

TEST_F(TransactionTest, AFailedRollbacksEntrySurvivesALaterCommitAndRecoveryKeepsThatCommit) {
  {
    Transaction t(*journal_, domains_, "svc");
    ASSERT_TRUE(t.Stage("d", "a", Version("a1")).ok());
    box_.fail_restore = true;
  }  // the rollback fails: the entry stays for the next start
  box_.fail_restore = false;
  const auto open = journal_->List();
  ASSERT_EQ(open.size(), 1u);
  {
    Transaction later(*journal_, domains_, "svc");
    ASSERT_TRUE(later.Stage("d", "a", Version("a2")).ok());
    ASSERT_TRUE(later.Commit().ok());
  }
  const auto still = journal_->List();
  ASSERT_EQ(still.size(), 1u);
  EXPECT_EQ(still[0].name, open[0].name);
  const std::string a2 = *store_->Get("a", store::Pointer::kCommitted);
  ASSERT_TRUE(Recover(*journal_, domains_).ok());
  EXPECT_EQ(Committed("a"), "a2");
  EXPECT_EQ(box_.held["a"], a2);
  EXPECT_TRUE(journal_->List().empty());
}

// The preview runs while the stage flushes; the box is staged only once it was seen, and a preview
// that was not seen is withdrawn with nothing left changed.
TEST_F(TransactionTest, APreviewPrecedesTheStageAndAFailedOneIsWithdrawn) {
  {
    Transaction t(*journal_, domains_, "svc");
    ASSERT_TRUE(t.Stage("d", "a", Version("a1")).ok());
    EXPECT_EQ(box_.previewed["a"], *store_->Get("a", store::Pointer::kLive));
    EXPECT_EQ(box_.held["a"], box_.previewed["a"]);
    ASSERT_TRUE(t.Commit().ok());
  }
  EXPECT_TRUE(box_.withdrawn.empty());
  const std::string a1 = *store_->Get("a", store::Pointer::kCommitted);
  box_.fail_preview = true;
  Transaction t(*journal_, domains_, "svc");
  Status s = t.Stage("d", "a", Version("a2"));
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_TRUE(t.finished());
  EXPECT_EQ(box_.withdrawn, std::vector<std::string>{"a"});
  EXPECT_EQ(box_.held["a"], a1);
  EXPECT_EQ(*store_->Get("a", store::Pointer::kLive), a1);
  EXPECT_TRUE(journal_->List().empty());
}

// One item commits by moving its committed pointer, with no committing record: a crash right
// after that move (an entry still open, the pointer naming its candidate) is rolled forward, and
// the observers hear of a commit, not of a rollback.
TEST_F(TransactionTest, OneItemCommitsByItsPointerAndACrashAfterItRollsForward) {
  RecordingObserver seen;
  domains_["d"].observer = &seen;
  const std::string a1 = *store_->Write("a", Version("a1"));
  ASSERT_TRUE(store_->Set("a", store::Pointer::kLive, a1).ok());
  ASSERT_TRUE(store_->Set("a", store::Pointer::kCommitted, a1).ok());
  ASSERT_TRUE(journal_->Write({"moved", {{"d", "a", "", a1}}, false}).ok());
  ASSERT_TRUE(Recover(*journal_, domains_).ok());
  EXPECT_EQ(Committed("a"), "a1");
  EXPECT_EQ(box_.held["a"], a1);
  EXPECT_EQ(seen.events, (std::vector<std::string>{"staged a", "committed a"}));
  EXPECT_TRUE(journal_->List().empty());

  // Before the move, the same entry rolls back.
  const std::string a2 = *store_->Write("a", Version("a2"));
  ASSERT_TRUE(store_->Set("a", store::Pointer::kLive, a2).ok());
  ASSERT_TRUE(journal_->Write({"open", {{"d", "a", a1, a2}}, false}).ok());
  seen.events.clear();
  ASSERT_TRUE(Recover(*journal_, domains_).ok());
  EXPECT_EQ(Committed("a"), "a1");
  EXPECT_EQ(box_.held["a"], a1);
  EXPECT_EQ(seen.events, (std::vector<std::string>{"staged a", "rolled back a"}));
}

}  // namespace
}  // namespace rotagent::txn
